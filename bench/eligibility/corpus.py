"""Words and phrases the generated entries are written from: English, and some French and Spanish.

English sentences are built word by word from sentence shapes and open word
lists, so two unrelated descriptions share few word pairs (Jaccard of word
pairs about 0.02, as for real descriptions); the titles use the phrase lists.
"""

from __future__ import annotations

PLACES = """northern provinces|coastal districts|mountain villages|informal settlements|island communities|border towns|
river delta|highland regions|secondary cities|refugee camps|peri-urban areas|desert oases|farming cooperatives|fishing ports|
mining towns|capital region|eastern savannah|southern lowlands|remote atolls|lake shore villages""".replace("\n", "").split("|")
PEOPLE = """schoolgirls|smallholder farmers|midwives|street vendors|persons with disabilities|older citizens|young jobseekers|
teachers|nurses|fishers|women entrepreneurs|local councillors|refugees|health workers|university students|artisans|
community radio hosts|pharmacists|rangers|librarians""".replace("\n", "").split("|")
TECH = """solar-powered kiosks|offline tablets|a USSD menu|an open data portal|low-orbit satellite links|community mesh networks|
a chatbot in local languages|drones for mapping|sensor networks|mobile money|a digital identity scheme|an e-learning platform|
interactive voice response|geographic information systems|cloud-hosted records|open-source software|TV white space links|
QR-coded certificates|machine translation|blockchain land registries""".replace("\n", "").split("|")
GOALS = """cut waiting times at clinics|register births and deaths|report water point failures|sell produce at fair prices|
learn to code|file tax returns online|track malaria cases|protect mangrove forests|monitor air quality|find apprenticeships|
preserve oral histories|detect online fraud|map flood risks|trace medicine supplies|digitise land titles|teach mathematics|
publish council budgets|book bus tickets|insure their harvests|archive court decisions""".replace("\n", "").split("|")
PARTNERS = """the ministry of health|a regional university|two mobile operators|the national statistics office|a women's cooperative|
the chamber of commerce|an international foundation|the postal service|local radio stations|the city council|
a development bank|a teachers' union|the national library|a software company|an agricultural extension service""".replace("\n", "").split("|")
ADJECTIVES = "Open|Smart|Connected|Inclusive|Green|Digital|Shared|Mobile|Community|Rural|Resilient|Civic".split("|")
NOUNS = "Health Records|Classrooms|Markets|Registries|Maps|Libraries|Clinics|Councils|Farms|Archives|Networks|Services".split("|")

ENGLISH = [
    "The {name} project gives {people} in the {place} access to {tech}, so that they can {goal} without travelling for days.",
    "Since {year} we have trained {n} {people} to use {tech} and to help their neighbours {goal}.",
    "Working with {partner}, the team installed {tech} in {m} sites across the {place}.",
    "An independent evaluation in {year} found that {pct} percent of {people} now {goal} at least once a month.",
    "Before the project began, {people} had to walk {m} kilometres to {goal}; today they use {tech} instead.",
    "Each site is run by {people} chosen by their own communities, and {partner} pays for maintenance.",
    "Data protection was designed in from the start: records stay encrypted and {partner} audits access every {m} months.",
    "The approach has been copied in {m} other districts, where {people} now {goal} with {tech}.",
    "Costs fell by {pct} percent once {tech} replaced paper forms and manual reporting.",
    "Our next step is to link {tech} with the services of {partner} so that {people} can also {goal}.",
    "Women make up {pct} percent of the {people} trained, thanks to evening sessions and childcare on site.",
    "Feedback from {n} {people} shaped every release, and the source code is published under an open licence.",
    "During the pandemic {tech} allowed {people} to keep working while schools and offices were closed.",
    "The project is financed by {partner} and by a small fee that keeps the service running after the grant ends.",
    "In {year} the {place} recorded {n} transactions through {tech}, up from almost none three years earlier.",
    "Volunteers from {partner} visit the {place} every {m} weeks to repair equipment and run refresher courses.",
    "Local content matters: every screen is translated, and {people} record audio guides in their own languages.",
    "The service works on basic phones, which {pct} percent of households in the {place} already own.",
]
FRENCH = [
    "Le projet {name} permet aux habitants des régions rurales d'accéder à des services numériques sans se déplacer pendant des jours.",
    "Depuis {year}, nous avons formé {n} personnes à l'utilisation des outils en ligne et à l'accompagnement de leurs voisins.",
    "En collaboration avec le ministère de la santé, l'équipe a installé des bornes solaires dans {m} villages.",
    "Une évaluation indépendante réalisée en {year} montre que {pct} pour cent des bénéficiaires utilisent le service chaque mois.",
    "Avant le projet, les familles devaient parcourir {m} kilomètres pour obtenir un acte de naissance.",
    "Chaque point d'accès est géré par des jeunes choisis par leur communauté, et la commune finance l'entretien.",
    "Les données personnelles sont chiffrées et un auditeur indépendant contrôle les accès tous les {m} mois.",
    "Les femmes représentent {pct} pour cent des personnes formées grâce aux séances du soir et à la garde d'enfants.",
    "Le projet est financé par une fondation internationale et par une petite contribution des coopératives.",
    "Pendant la pandémie, la plateforme a permis aux élèves de poursuivre leurs cours à distance.",
]
SPANISH = [
    "El proyecto {name} permite a las comunidades rurales acceder a servicios digitales sin viajar durante días.",
    "Desde {year} hemos formado a {n} personas en el uso de herramientas en línea y en el apoyo a sus vecinos.",
    "Junto con el ministerio de salud, el equipo instaló quioscos solares en {m} aldeas de la región.",
    "Una evaluación independiente realizada en {year} mostró que el {pct} por ciento de los beneficiarios usa el servicio cada mes.",
    "Antes del proyecto, las familias debían recorrer {m} kilómetros para obtener un certificado de nacimiento.",
    "Cada punto de acceso está a cargo de jóvenes elegidos por su comunidad, y el municipio financia el mantenimiento.",
    "Los datos personales están cifrados y un auditor independiente revisa los accesos cada {m} meses.",
    "Las mujeres representan el {pct} por ciento de las personas formadas gracias a las sesiones nocturnas.",
    "El proyecto se financia con una fundación internacional y con una pequeña cuota de las cooperativas.",
    "Durante la pandemia, la plataforma permitió a los estudiantes seguir sus clases a distancia.",
]
SYNONYMS = {
    "project": "initiative", "people": "residents", "access": "entry", "trained": "taught", "help": "assist",
    "installed": "deployed", "sites": "locations", "found": "showed", "now": "today", "walk": "travel",
    "run": "managed", "designed": "built", "copied": "replicated", "costs": "expenses", "fell": "dropped",
    "next": "following", "services": "offerings", "thanks": "owing", "shaped": "guided", "allowed": "enabled",
    "financed": "funded", "small": "modest", "recorded": "registered", "visit": "travel to", "repair": "fix",
    "every": "each", "works": "runs", "already": "by now", "households": "families",
}
ADDED_SENTENCES = [
    "In the coming year the service will reach {m} more villages with support from {partner}.",
    "A second phase, approved in {year}, adds training for {people} and a helpline.",
]

# English: sentence shapes over open word classes.
def _words(text: str) -> list[str]:
    return text.split()


NOUN = _words("""clinic school market registry archive library council farm network platform service record map sensor
kiosk tablet phone radio satellite antenna server database portal app website dashboard helpline chatbot curriculum
course workshop laboratory hub centre office cooperative union ministry agency municipality district village town city
province region border coast island river lake forest mangrove reef desert valley highland harbour port road bridge
railway bus ticket passport licence certificate permit invoice budget tax payment loan grant subsidy insurance harvest
crop seed fertiliser livestock cattle fishery boat net weather forecast flood drought storm earthquake vaccine medicine
prescription diagnosis patient nurse doctor midwife pharmacist teacher pupil student graduate apprentice farmer fisher
vendor trader artisan weaver tailor baker mechanic driver ranger volunteer mentor coach researcher engineer developer
journalist broadcaster librarian archivist judge clerk councillor mayor officer inspector auditor survey census
election ballot petition complaint request hearing verdict contract tender procurement supplier warehouse inventory
shipment parcel delivery courier pension benefit allowance voucher identity signature password encryption backup
outage connection bandwidth coverage tower cable fibre spectrum battery panel generator grid meter pump well tap toilet""")
ADJ = _words("""affordable accessible reliable secure open shared local regional national rural urban remote coastal mobile
digital online offline public private communal municipal bilingual multilingual accurate timely transparent inclusive
resilient sustainable renewable solar low-cost free modular portable durable lightweight scalable interoperable
decentralised encrypted anonymous verified certified trusted independent voluntary participatory collaborative
innovative practical simple intuitive visual spoken written printed seasonal weekly monthly annual daily early basic
advanced vocational technical medical agricultural financial legal environmental cultural historical indigenous
elderly young disabled marginalised displaced landless informal formal small medium large""")
VERB = _words("""connected trained equipped supported reached served registered mapped monitored tracked digitised archived
published translated recorded broadcast financed insured repaired replaced upgraded extended linked integrated tested
piloted evaluated audited certified protected restored planted harvested delivered distributed collected analysed
visualised shared simplified automated replicated adapted localised hosted maintained managed coordinated mentored
coached hired employed empowered informed alerted warned vaccinated treated diagnosed referred reunited relocated""")
PREP = _words("in across within near beyond through throughout along among for with from")
DET = _words("the each every one another this our their a")
SHAPES = [
    "{Det} {adj} {noun} {verb} {num} {noun}s {prep} the {adj} {noun}.",
    "{Prep} {num} {noun}s, our {noun} {verb} {det} {adj} {noun} and {det} {noun}.",
    "Since {year}, {num} {adj} {noun}s have been {verb} {prep} {det} {noun} {prep} the {noun}.",
    "{Det} {noun} {verb} {num} {adj} {noun}s, and {pct} percent of them now use {det} {adj} {noun}.",
    "With {det} {adj} {noun}, {adj} {noun}s {verb} {det} {noun} {prep} {num} {noun}s.",
    "We {verb} {det} {adj} {noun} so that every {noun} could reach {det} {adj} {noun}.",
    "{Det} {adj} {noun} of {det} {noun} was {verb} by {num} {adj} {noun}s.",
    "By {year}, {pct} percent of {adj} {noun}s {verb} {det} {noun} {prep} {det} {adj} {noun}.",
    "{Adj} {noun}s and {adj} {noun}s {verb} {det} {noun} together {prep} {det} {noun}.",
    "Costs of {det} {noun} fell by {pct} percent after {adj} {noun}s {verb} {det} {adj} {noun}.",
]
