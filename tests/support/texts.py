"""Real project descriptions of the call's length (150 to 200 words), in English, French and Spanish.

The language rule (S10) and the duplicate search (S4) are tested on text
like a coordinator's, not on lorem ipsum: the same texts serve the unit,
integration and end-to-end tests.
"""

ENGLISH = [
    (
        'The Digital Villages programme brings affordable broadband to forty rural communities in the '
        'northern provinces, where fewer than one household in ten had an internet connection before the '
        'project began. Working with the national regulator, two mobile operators and local cooperatives, '
        'we built solar-powered community access points in schools and health posts and trained more than '
        'three hundred young people as digital ambassadors. The ambassadors run weekly sessions on online '
        'banking, e-government services and safe use of social media, with particular attention to women '
        'and older residents. Farmers now receive market prices and weather alerts by text message, and '
        'the health posts use a shared tele-consultation platform to reach specialists in the capital. '
        'Since the network went live, the average distance travelled to obtain a birth certificate has '
        'fallen from sixty kilometres to zero, because the request can be filed online at the access '
        'point. The project is financed through a universal service fund and a small monthly fee paid by '
        'the cooperatives, which keeps the access points open after the initial grant ends. An '
        'independent evaluation in 2020 found measurable gains in school attendance and household income.'
    ),
    (
        'OpenHealth Records is a free and open-source electronic medical record system designed for small '
        'clinics in low-bandwidth settings. It works offline on inexpensive tablets and synchronises with '
        "the district server whenever a connection is available, so that nurses never lose a patient's "
        'history. The system was co-designed with nurses, midwives and community health workers over '
        'eighteen months of field testing, and it is now used in one hundred and twelve clinics serving '
        'about nine hundred thousand people. Clinicians record consultations, prescriptions and '
        'vaccinations in a few taps, and the ministry receives anonymised weekly statistics that help it '
        'detect outbreaks early and plan the distribution of medicines. During the pandemic the platform '
        'was extended with a module for testing and contact tracing that was deployed in three weeks. All '
        'patient data is encrypted on the device and in transit, and access rights follow the national '
        'data protection law. The source code, training material and deployment guides are published '
        'under an open licence so that other countries can adapt the system to their own needs without '
        'paying licence fees.'
    ),
    (
        'Code for Her is a capacity-building initiative that teaches programming, data analysis and '
        'digital entrepreneurship to young women aged sixteen to twenty-five in secondary towns, where '
        'access to technical education is scarce. Each cohort follows a twelve-week blended course '
        'combining online lessons with weekend workshops hosted by partner universities, and every '
        'participant is matched with a mentor working in the technology sector. Since 2018 the programme '
        'has trained two thousand four hundred women, of whom more than sixty percent have found jobs, '
        'internships or further study in technology fields within six months. Graduates have launched '
        'over ninety small businesses, from mobile payment services for market traders to websites for '
        'local tourism. The curriculum is published openly and has been adopted by two ministries of '
        'education as an optional module in vocational schools. We measure progress through follow-up '
        'surveys at six and eighteen months and publish the results every year. The initiative is '
        'supported by a consortium of private companies, a regional development bank and civil society '
        'organisations that provide venues, devices and scholarships.'
    ),
]

FRENCH = [
    (
        'Le programme Villages Numériques apporte un accès à internet à haut débit abordable à quarante '
        "communautés rurales des provinces du nord, où moins d'un foyer sur dix disposait d'une connexion "
        "avant le début du projet. En collaboration avec l'autorité de régulation, deux opérateurs "
        "mobiles et des coopératives locales, nous avons installé des points d'accès communautaires "
        "alimentés à l'énergie solaire dans les écoles et les centres de santé, et formé plus de trois "
        'cents jeunes comme ambassadeurs du numérique. Ces ambassadeurs animent chaque semaine des '
        "séances sur la banque en ligne, les services administratifs électroniques et l'usage sûr des "
        'réseaux sociaux, en accordant une attention particulière aux femmes et aux personnes âgées. Les '
        'agriculteurs reçoivent désormais les prix du marché et des alertes météorologiques par message, '
        'et les centres de santé utilisent une plateforme de téléconsultation partagée pour joindre les '
        'spécialistes de la capitale. Depuis la mise en service du réseau, la distance moyenne parcourue '
        'pour obtenir un acte de naissance est passée de soixante kilomètres à zéro. Une évaluation '
        'indépendante réalisée en 2020 a constaté des progrès mesurables de la fréquentation scolaire et '
        'du revenu des ménages.'
    ),
    (
        'La plateforme Santé Ouverte est un dossier médical électronique libre et gratuit conçu pour les '
        'petits dispensaires situés dans des zones où la connexion est faible. Elle fonctionne hors ligne '
        "sur des tablettes peu coûteuses et se synchronise avec le serveur du district dès qu'une "
        "connexion est disponible, afin que les infirmières ne perdent jamais l'historique d'un patient. "
        'Le système a été conçu avec des infirmières, des sages-femmes et des agents de santé '
        "communautaires pendant dix-huit mois d'essais sur le terrain, et il est aujourd'hui utilisé dans "
        'cent douze dispensaires qui desservent environ neuf cent mille personnes. Les soignants '
        'enregistrent les consultations, les ordonnances et les vaccinations en quelques gestes, et le '
        "ministère reçoit chaque semaine des statistiques anonymisées qui l'aident à détecter les "
        'épidémies et à planifier la distribution des médicaments. Pendant la pandémie, la plateforme a '
        'été complétée par un module de dépistage et de suivi des contacts déployé en trois semaines. '
        "Toutes les données sont chiffrées sur l'appareil et pendant leur transmission, et les droits "
        "d'accès respectent la loi nationale sur la protection des données."
    ),
]

SPANISH = [
    (
        'El programa Aldeas Digitales lleva banda ancha asequible a cuarenta comunidades rurales de las '
        'provincias del norte, donde menos de un hogar de cada diez tenía conexión a internet antes de '
        'que comenzara el proyecto. Junto con el organismo regulador, dos operadores móviles y '
        'cooperativas locales, construimos puntos de acceso comunitarios alimentados con energía solar en '
        'escuelas y puestos de salud, y formamos a más de trescientos jóvenes como embajadores digitales. '
        'Los embajadores organizan sesiones semanales sobre banca en línea, servicios de gobierno '
        'electrónico y uso seguro de las redes sociales, con especial atención a las mujeres y a las '
        'personas mayores. Los agricultores reciben ahora los precios del mercado y alertas '
        'meteorológicas por mensaje de texto, y los puestos de salud utilizan una plataforma compartida '
        'de teleconsulta para llegar a los especialistas de la capital. Desde que la red entró en '
        'funcionamiento, la distancia media recorrida para obtener un certificado de nacimiento ha pasado '
        'de sesenta kilómetros a cero, porque la solicitud puede presentarse en línea. Una evaluación '
        'independiente realizada en 2020 constató mejoras medibles en la asistencia escolar y en los '
        'ingresos de los hogares.'
    ),
    (
        'Programa Mujer y Código enseña programación, análisis de datos y emprendimiento digital a '
        'mujeres jóvenes de dieciséis a veinticinco años en ciudades intermedias, donde el acceso a la '
        'educación técnica es escaso. Cada grupo sigue un curso combinado de doce semanas que une '
        'lecciones en línea con talleres de fin de semana organizados por universidades asociadas, y cada '
        'participante cuenta con una mentora que trabaja en el sector tecnológico. Desde 2018 el programa '
        'ha formado a dos mil cuatrocientas mujeres, de las cuales más del sesenta por ciento ha '
        'encontrado empleo, prácticas o estudios superiores en áreas tecnológicas en un plazo de seis '
        'meses. Las egresadas han creado más de noventa pequeñas empresas, desde servicios de pago móvil '
        'para comerciantes hasta sitios web para el turismo local. El plan de estudios se publica de '
        'forma abierta y dos ministerios de educación lo han adoptado como módulo optativo en las '
        'escuelas de formación profesional. Medimos los avances mediante encuestas de seguimiento a los '
        'seis y a los dieciocho meses y publicamos los resultados cada año.'
    ),
]
