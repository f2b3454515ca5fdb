"""Sentence templates the simulated entries are written from.

Many templates and many slot values, so two entries share few word pairs
(the copy check, S4, compares runs of two words); English enough that the
language check (S10) is sure. A few other languages for the entries that
break S10.
"""

from __future__ import annotations

DESCRIPTION = (
    "{name} is a {topic} that serves {who} in {city} and the surrounding districts.",
    "The project started in {year} when {org} saw that {who} could not reach basic services online.",
    "It uses {tech} so that people with simple phones and weak signals can take part.",
    "Over {n} {who} have used the service since its launch, most of them for the first time.",
    "Local volunteers were trained to help neighbours register, ask questions and report problems.",
    "The design was tested with {who} in workshops before a single line of code was written.",
    "All content is available in the main local languages as well as in English.",
    "Data is stored in the country and protected under the national data protection law.",
    "The team publishes its source code and monthly usage figures for anyone to reuse.",
    "A help desk answers calls and messages seven days a week, including public holidays.",
    "During the pandemic the service kept running when offices and schools were closed.",
    "Costs were kept low by reusing existing public buildings, towers and community centres.",
    "Each district nominates a coordinator who meets the project team every month.",
    "Feedback forms after every session let users rate the service and suggest changes.",
    "The {topic} now covers {pct} percent of the villages in the province.",
    "Partnerships with {partner} made it possible to scale without new buildings.",
    "Women make up more than half of the people trained by the programme so far.",
    "Simple dashboards show officials where demand grows and where help is missing.",
    "A small grant from {partner} paid for the first pilot in three communities.",
    "The service works offline and synchronises whenever a connection becomes available.",
    "Every module was reviewed by accessibility experts and blind users before release.",
    "An independent evaluation in {year} confirmed the gains reported by the team.",
    "Schools, clinics and markets act as access points with shared tablets and printers.",
    "The programme trains local technicians so that repairs do not depend on the capital.",
    "Open standards allow other agencies to connect their own services to the platform.",
    "Short videos and radio spots explain to {who} how to use each new feature.",
    "The pilot was extended to {n} more households after the first year of operation.",
    "Young graduates from {city} built most of the software during paid internships.",
    "User numbers doubled each year while the cost per user fell steadily.",
    "Complaints are tracked publicly until each one is resolved and closed.",
    "A mobile unit visits remote settlements that have no fixed connection yet.",
    "The initiative won the support of {partner} after its first public results.",
    "Staff and volunteers follow a code of conduct on privacy and respectful service.",
    "Training materials are published under an open licence for other regions to adapt.",
    "The platform sends reminders and alerts by text message to people without smartphones.",
    "Many users say the service saved them a long and expensive journey to town.",
)
LINKAGE = (
    "The project advances SDG {sdg} ({goal}) because it gives {who} direct access to services they were denied before.",
    "Its link to Goal {sdg} is measured every quarter through indicators agreed with {partner}.",
    "Under action line {line}, it shows how {tech} can serve {who} at low cost.",
    "By reaching {who} in {city}, the work contributes to {goal} and to reducing the gaps between regions.",
    "The targets of SDG {sdg} guided the choice of districts, partners and services from the start.",
    "Every new feature is checked against the goals the project names before it is released.",
    "The project reports its progress on {goal} in the national voluntary review.",
    "Together these activities connect the WSIS action line with the wider 2030 Agenda.",
)
IMPACT = (
    "Household income of participating {who} rose by about {pct} percent within two years.",
    "Travel to offices fell sharply, saving time, money and emissions for thousands of families.",
    "{n} people completed at least one training course, and many found work afterwards.",
    "Waiting times for basic services dropped from several weeks to a few days.",
    "The share of women among active users grew from a third to more than half.",
    "Schools that joined reported better attendance and higher examination results.",
    "Local officials now plan budgets with data that did not exist before the project.",
    "Paper use in the participating offices fell by more than {pct} percent.",
    "An impact study by {partner} found lasting changes in how {who} use digital tools.",
    "Small businesses reached new customers and reported higher monthly sales.",
    "The number of complaints about public services fell for three years in a row.",
    "Environmental benefits include fewer trips, less paper and better use of energy.",
    "Young people trained by the project started {n} small enterprises of their own.",
    "Health workers spend less time on forms and more time with their patients.",
    "Trust in public institutions improved according to two independent surveys.",
    "The model was adopted by {pct} other municipalities without new funding.",
)
PARTNERSHIPS = (
    "The project is led by {org} together with {partner}.",
    "Technical support comes from {partner}, which also hosts part of the infrastructure.",
    "Community groups in {city} recruit users and organise the training sessions.",
    "An advisory board of users, officials and researchers meets twice a year.",
    "Funding is shared between the national budget, private sponsors and donors.",
    "Universities provide interns, research and the independent evaluation of results.",
    "Mobile operators offer free data for the service under a public interest agreement.",
    "Civil society partners make sure the voices of {who} shape every decision.",
)
CHALLENGES = (
    "The main challenge was poor connectivity in remote areas, solved with offline features.",
    "Low digital literacy among {who} required patient, face-to-face support at first.",
    "Funding cycles were short, so the team built partnerships to make the work last.",
    "Some officials resisted the change until the first results became visible.",
    "Electricity cuts forced the use of solar chargers and battery packs in many places.",
    "Next, the project plans to reach {n} more people and add two new services.",
    "The team will hand over daily operations to local authorities by {year}.",
    "Prospects are good because demand keeps growing and the costs keep falling.",
    "A national scale-up is under discussion with {partner} for the coming years.",
    "Keeping personal data safe remains a priority as the number of users grows.",
)
FILLERS = (
    "Results are public.", "Users shaped every step.", "The work continues.", "Demand keeps growing.",
    "Costs stay low.", "Privacy comes first.", "Everyone can join.", "The model can be reused elsewhere.",
    "Local people run it.", "Feedback drives each change.",
)  # fmt: skip
WEAK = (
    "The project helps people in {city}.", "It uses {tech}.", "Many people like it.", "It is important for the country.",
    "The team works hard every day.", "More work is planned.", "It is a good project.", "Users are happy with it.",
)  # fmt: skip

# Entries written in another language (S10): whole sentences, several per language.
FOREIGN = {
    "fr": (
        "Le projet {name} offre aux habitants de {city} un accès simple aux services publics en ligne.",
        "Depuis son lancement, plus de {n} personnes ont suivi une formation gratuite au numérique.",
        "Les bénévoles accompagnent les familles dans leurs démarches et répondent à leurs questions.",
        "Les données sont hébergées dans le pays et protégées selon la loi nationale.",
        "Les écoles, les mairies et les centres de santé servent de points d'accès équipés de tablettes.",
        "Une évaluation indépendante a confirmé une baisse importante des délais de traitement.",
        "Le programme forme des techniciens locaux afin que les réparations se fassent sur place.",
        "Les femmes représentent plus de la moitié des personnes formées jusqu'à présent.",
        "Nous prévoyons d'étendre le service à toutes les communes de la région d'ici deux ans.",
        "Chaque mois, les coordinateurs de district rencontrent l'équipe pour ajuster les priorités.",
    ),
    "es": (
        "El proyecto {name} ofrece a los habitantes de {city} un acceso sencillo a los servicios públicos.",
        "Desde su inicio, más de {n} personas han recibido formación gratuita en competencias digitales.",
        "Los voluntarios acompañan a las familias en sus trámites y responden a sus preguntas.",
        "Los datos se guardan en el país y están protegidos por la ley nacional de protección de datos.",
        "Las escuelas, los ayuntamientos y los centros de salud funcionan como puntos de acceso.",
        "Una evaluación independiente confirmó una reducción importante de los tiempos de espera.",
        "El programa forma a técnicos locales para que las reparaciones se hagan en la comunidad.",
        "Las mujeres representan más de la mitad de las personas formadas hasta ahora.",
        "Queremos llevar el servicio a todos los municipios de la región en los próximos dos años.",
        "Cada mes, los coordinadores de distrito se reúnen con el equipo para revisar las prioridades.",
    ),
    "pt": (
        "O projeto {name} oferece aos moradores de {city} um acesso simples aos serviços públicos.",
        "Desde o lançamento, mais de {n} pessoas receberam formação gratuita em competências digitais.",
        "Os voluntários acompanham as famílias nos seus pedidos e respondem às suas dúvidas.",
        "Os dados ficam guardados no país e são protegidos pela lei nacional de proteção de dados.",
        "As escolas, as prefeituras e os postos de saúde funcionam como pontos de acesso com tablets.",
        "Uma avaliação independente confirmou uma redução importante dos prazos de atendimento.",
        "O programa forma técnicos locais para que os consertos sejam feitos na própria comunidade.",
        "As mulheres representam mais da metade das pessoas formadas até agora.",
        "Queremos levar o serviço a todos os municípios da região nos próximos dois anos.",
        "Todos os meses, os coordenadores de distrito reúnem-se com a equipa para rever as prioridades.",
    ),
}
FOREIGN_TITLES = {"fr": "Services numériques pour tous à {city}", "es": "Servicios digitales para todos en {city}", "pt": "Serviços digitais para todos em {city}"}

# A sentence grammar for the short descriptions: opener, subject, verb,
# object, manner. Thousands of combinations, so two descriptions share few
# runs of two words (the copy check, S4), and the templates above add colour.
OPENERS = (
    "In {year},", "Since its launch,", "Each month,", "With support from {partner},", "In {city},", "Today,",
    "During the pandemic,", "From the start,", "In its first phase,", "Across the province,", "At very low cost,",
    "Step by step,", "Last year,", "Within six months,", "After a careful pilot,", "Working with {partner},",
    "In rural districts,", "On weekends,", "Before the lockdown,", "Over three years,", "In close cooperation with {partner},",
    "Thanks to volunteers,", "In the northern region,", "Along the coast,", "In border towns,", "Every quarter,",
    "In crowded neighbourhoods,", "Once a week,", "In its second year,", "With a modest budget,",
)  # fmt: skip
SUBJECTS = (
    "the {name} team", "{name}", "the platform", "local volunteers", "the programme", "our field staff",
    "trained facilitators", "the service", "community leaders", "district officers", "the project", "young mentors",
    "a network of librarians", "mobile teams", "the help desk", "partner universities", "peer educators",
    "the coordinators of {name}", "women trainers", "the technical unit",
)  # fmt: skip
VERBS = (
    "trained", "connected", "supported", "reached", "equipped", "guided", "served", "informed", "assisted",
    "mentored", "protected", "registered", "enrolled", "welcomed", "advised", "surveyed", "visited", "coached",
    "brought online", "answered", "followed up with", "certified", "empowered", "accompanied",
)  # fmt: skip
OBJECTS = (
    "{n} {who}", "{who} in remote villages", "small firms and cooperatives", "women entrepreneurs", "health centres around {city}",
    "public schools", "farmers' groups", "municipal offices", "young graduates", "families without internet at home",
    "market traders", "people living with disabilities", "rural clinics", "displaced families", "elderly residents",
    "first-time voters", "fishing cooperatives", "night-shift workers", "parents and caregivers", "local journalists",
    "school dropouts", "artisans and weavers", "community health volunteers", "small town councils", "{who} in {city}",
    "students in technical colleges", "seasonal workers", "unemployed youth", "village savings groups", "{n} households",
)  # fmt: skip
MANNERS = (
    "through {tech}", "with simple feature phones", "using open-source tools", "at no cost to them", "in their own language",
    "with weekly follow-up visits", "across several districts", "despite weak connectivity", "with help from {partner}",
    "through evening classes", "via community centres", "by text message", "over local radio", "in mobile classrooms",
    "on market days", "through a toll-free line", "with solar-powered kiosks", "using shared tablets", "in small groups",
    "through short video lessons", "with printed guides", "via a chatbot", "through trusted local agents",
    "in partnership with {partner}", "with clear privacy rules", "through a simple web portal", "using {tech}",
    "with live sign language support", "after working hours", "in two local languages",
)  # fmt: skip
