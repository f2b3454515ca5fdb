"""The simulated world: countries, organisations' names, the categories' themes.

Plain data. Country weights follow the shape of WSIS Prizes participation
(many entries from a few countries, a long tail from the rest).
"""

from __future__ import annotations

# (ISO 3166-1 alpha-2, name, a city, weight)
COUNTRIES: tuple[tuple[str, str, str, int], ...] = (
    ("IN", "India", "Bengaluru", 60), ("SA", "Saudi Arabia", "Riyadh", 55), ("AE", "United Arab Emirates", "Dubai", 45),
    ("EG", "Egypt", "Cairo", 40), ("MX", "Mexico", "Guadalajara", 25), ("NG", "Nigeria", "Lagos", 25),
    ("BD", "Bangladesh", "Dhaka", 25), ("BR", "Brazil", "Recife", 18), ("ID", "Indonesia", "Bandung", 15),
    ("KE", "Kenya", "Nairobi", 15), ("PK", "Pakistan", "Lahore", 15), ("RU", "Russian Federation", "Kazan", 14),
    ("CN", "China", "Shenzhen", 14), ("CO", "Colombia", "Medellin", 12), ("UG", "Uganda", "Kampala", 12),
    ("GH", "Ghana", "Kumasi", 12), ("PH", "Philippines", "Cebu", 10), ("MY", "Malaysia", "Penang", 10),
    ("OM", "Oman", "Muscat", 12), ("QA", "Qatar", "Doha", 8), ("BH", "Bahrain", "Manama", 8), ("KW", "Kuwait", "Kuwait City", 6),
    ("JO", "Jordan", "Amman", 8), ("TN", "Tunisia", "Sfax", 8), ("MA", "Morocco", "Casablanca", 8), ("IR", "Iran", "Isfahan", 10),
    ("TR", "Turkey", "Izmir", 8), ("AZ", "Azerbaijan", "Baku", 8), ("KZ", "Kazakhstan", "Almaty", 6), ("UZ", "Uzbekistan", "Tashkent", 6),
    ("LK", "Sri Lanka", "Kandy", 8), ("NP", "Nepal", "Pokhara", 6), ("TH", "Thailand", "Chiang Mai", 6), ("VN", "Viet Nam", "Da Nang", 6),
    ("JP", "Japan", "Sendai", 5), ("KR", "Republic of Korea", "Busan", 5), ("AU", "Australia", "Darwin", 4),
    ("US", "United States", "Pittsburgh", 8), ("CA", "Canada", "Winnipeg", 4), ("GB", "United Kingdom", "Leeds", 6),
    ("FR", "France", "Lyon", 5), ("DE", "Germany", "Leipzig", 4), ("CH", "Switzerland", "Lausanne", 6), ("ES", "Spain", "Valencia", 5),
    ("IT", "Italy", "Bologna", 4), ("PL", "Poland", "Krakow", 5), ("RO", "Romania", "Cluj-Napoca", 4), ("UA", "Ukraine", "Lviv", 6),
    ("GE", "Georgia", "Tbilisi", 4), ("AR", "Argentina", "Cordoba", 5), ("CL", "Chile", "Valparaiso", 4), ("PE", "Peru", "Arequipa", 4),
    ("EC", "Ecuador", "Cuenca", 3), ("CM", "Cameroon", "Douala", 5), ("SN", "Senegal", "Dakar", 4), ("CI", "Cote d'Ivoire", "Abidjan", 4),
    ("RW", "Rwanda", "Kigali", 5), ("TZ", "Tanzania", "Arusha", 4), ("ZW", "Zimbabwe", "Bulawayo", 4), ("ZA", "South Africa", "Durban", 5),
    ("ET", "Ethiopia", "Bahir Dar", 4), ("BF", "Burkina Faso", "Ouagadougou", 3), ("MU", "Mauritius", "Port Louis", 4),
    ("LB", "Lebanon", "Beirut", 3), ("SD", "Sudan", "Khartoum", 3), ("ZM", "Zambia", "Lusaka", 3), ("BJ", "Benin", "Cotonou", 3),
    ("FJ", "Fiji", "Suva", 2), ("TT", "Trinidad and Tobago", "Port of Spain", 2), ("JM", "Jamaica", "Kingston", 2),
    ("MN", "Mongolia", "Ulaanbaatar", 2), ("BT", "Bhutan", "Thimphu", 2), ("AM", "Armenia", "Yerevan", 3), ("PS", "Palestine", "Ramallah", 3),
    ("SY", "Syrian Arab Republic", "Aleppo", 2), ("IQ", "Iraq", "Erbil", 3), ("DZ", "Algeria", "Oran", 3), ("MW", "Malawi", "Blantyre", 2),
)  # fmt: skip

# Stakeholder types and their shares of the entrants.
STAKEHOLDER_TYPES: tuple[tuple[str, int], ...] = (
    ("government", 34), ("private_sector", 22), ("civil_society", 24), ("academia", 13), ("international_organization", 7),
)  # fmt: skip

# International organisations sit in a few host countries.
HOST_COUNTRIES = ("CH", "US", "FR", "AT", "IT", "KE", "TH", "ET", "EG", "SN")

MINISTRIES = (
    "Communications and Information Technology", "Digital Economy", "Health", "Education", "Agriculture",
    "Environment", "Labour and Employment", "Culture", "Interior", "Telecommunications", "Science and Innovation",
)  # fmt: skip
AGENCIES = (
    "Telecommunications Regulatory Authority", "Digital Government Authority", "Information Technology Agency",
    "Statistics Office", "Broadband Development Fund", "Computer Emergency Response Team", "Open Data Office",
)  # fmt: skip
COMPANY_STEMS = (
    "Nimbus", "Kijani", "Baobab", "Sahel", "Andes", "Lotus", "Zenith", "Orbit", "Harbor", "Delta", "Mosaic", "Atlas",
    "Cedar", "Monsoon", "Savanna", "Quartz", "Falcon", "Tidal", "Ember", "Juniper", "Pixel", "Meridian", "Nile", "Indus",
)  # fmt: skip
COMPANY_KINDS = ("Technologies", "Telecom", "Solutions", "Labs", "Digital", "Networks", "Systems", "Analytics")
COMPANY_FORMS = ("Ltd", "Inc.", "S.A.", "LLC", "PLC", "GmbH", "Pvt Ltd")
CAUSES = (
    "Digital Inclusion", "Rural Connectivity", "Open Knowledge", "Women in Technology", "Youth Innovation",
    "Community Media", "Online Safety", "Accessible Technology", "Civic Technology", "Farmers' Information",
)  # fmt: skip
CIVIL_FORMS = ("Foundation for {cause}", "{country} Association for {cause}", "Network for {cause}", "{city} Centre for {cause}")
ACADEMIC_FORMS = (
    "University of {city}", "{city} Institute of Technology", "{country} Research Centre for ICT", "{city} Polytechnic",
    "National University of {country}",
)  # fmt: skip
INTERNATIONAL = (
    "Regional Telecommunications Union", "Commission for Digital Cooperation", "Development Bank ICT Unit",
    "Alliance for Affordable Internet Access", "Programme for Digital Public Goods", "Institute for Digital Futures",
)  # fmt: skip
REGIONS = ("African", "Arab", "Asia-Pacific", "Caribbean", "Latin American", "European", "Pacific Islands", "Global")

# Per category (1..18): what projects are about, who they serve, what they use, the SDGs they advance.
THEMES: dict[int, dict[str, tuple]] = {
    1: {"topic": ("national digital strategy", "multi-stakeholder ICT policy forum", "digital transformation roadmap", "open government programme"), "sdgs": (16, 17, 9)},
    2: {"topic": ("rural broadband network", "community network", "fibre backbone", "satellite connectivity programme", "public Wi-Fi network"), "sdgs": (9, 11, 1)},
    3: {"topic": ("digital library", "open access repository", "public information kiosks", "open data portal"), "sdgs": (4, 10, 16)},
    4: {"topic": ("digital skills academy", "coding bootcamp", "teacher ICT training", "digital literacy programme"), "sdgs": (4, 8, 5)},
    5: {"topic": ("cybersecurity awareness campaign", "national CERT", "child online protection programme", "secure digital identity"), "sdgs": (16, 9)},
    6: {"topic": ("regulatory sandbox", "spectrum reform", "universal service fund", "e-commerce framework"), "sdgs": (9, 8, 17)},
    7: {"topic": ("one-stop e-services portal", "e-procurement system", "online tax filing", "digital civil registry"), "sdgs": (16, 11)},
    8: {"topic": ("SME digital marketplace", "mobile payments service", "e-commerce platform", "digital trade hub"), "sdgs": (8, 9)},
    9: {"topic": ("online learning platform", "virtual classroom", "open educational resources library", "radio and online school"), "sdgs": (4,)},
    10: {"topic": ("telemedicine service", "electronic health record", "mobile health clinic", "pandemic contact tracing app"), "sdgs": (3,)},
    11: {"topic": ("online job matching service", "digital freelancing programme", "remote work skills centre"), "sdgs": (8, 5)},
    12: {"topic": ("air quality sensor network", "e-waste recycling programme", "flood early warning system", "smart water metering"), "sdgs": (13, 11, 12)},
    13: {"topic": ("precision farming service", "market price alerts", "agricultural advisory hotline", "livestock registry"), "sdgs": (2, 1)},
    14: {"topic": ("research data cloud", "citizen science platform", "high-performance computing centre", "open lab notebook"), "sdgs": (9, 4)},
    15: {"topic": ("digital heritage archive", "local language content hub", "indigenous language keyboard", "community museum online"), "sdgs": (4, 10, 11)},
    16: {"topic": ("community radio network", "fact-checking desk", "media literacy course", "local news platform"), "sdgs": (16, 4)},
    17: {"topic": ("AI ethics framework", "digital rights charter", "responsible data programme", "algorithm audit toolkit"), "sdgs": (16, 10)},
    18: {"topic": ("regional ICT cooperation programme", "cross-border data exchange", "South-South digital partnership", "regional internet exchange"), "sdgs": (17, 9)},
}  # fmt: skip

BENEFICIARIES = (
    "rural women", "smallholder farmers", "secondary school students", "persons with disabilities", "refugees",
    "older people", "young job seekers", "nurses and midwives", "small business owners", "teachers",
    "fishing communities", "informal workers", "local governments", "university researchers", "girls in science",
    "migrant workers", "indigenous communities", "health workers", "first-time internet users", "street vendors",
)  # fmt: skip
TECHNOLOGIES = (
    "mobile apps", "USSD menus", "open-source software", "cloud services", "low-cost sensors", "machine learning",
    "satellite imagery", "community Wi-Fi", "solar-powered hubs", "text messages", "interactive voice response",
    "open APIs", "digital identity", "geographic information systems", "offline-first web apps", "chatbots",
)  # fmt: skip
PARTNERS = (
    "the national telecom operator", "two local universities", "a regional development bank", "municipal councils",
    "a network of community radio stations", "women's cooperatives", "the ministry of education", "district hospitals",
    "private internet providers", "youth organisations", "farmers' unions", "an international foundation",
)  # fmt: skip
PROJECT_WORDS = (
    "Bridge", "Spark", "Horizon", "Pathway", "Compass", "Harvest", "Beacon", "Link", "Rise", "Open", "Connect", "Smart",
    "Roots", "Wave", "Pulse", "Kite", "Ladder", "Lantern", "Seed", "Circle", "Summit", "Canopy", "River", "Frontier",
)  # fmt: skip
GOAL_NAMES = {
    1: "No Poverty", 2: "Zero Hunger", 3: "Good Health and Well-being", 4: "Quality Education", 5: "Gender Equality",
    6: "Clean Water and Sanitation", 7: "Affordable and Clean Energy", 8: "Decent Work and Economic Growth",
    9: "Industry, Innovation and Infrastructure", 10: "Reduced Inequalities", 11: "Sustainable Cities and Communities",
    12: "Responsible Consumption and Production", 13: "Climate Action", 14: "Life Below Water", 15: "Life on Land",
    16: "Peace, Justice and Strong Institutions", 17: "Partnerships for the Goals",
}  # fmt: skip
