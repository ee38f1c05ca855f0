"""Word lists the seed composes names from.

Persons get a first name and a surname drawn independently from lists of common names in
Sweden, and a random date of birth: the combination is invented, never a real person's
identity. Cities, areas, streets and groups are made-up compounds.
"""

MALE_FIRST_NAMES = [
    "Adam", "Ahmed", "Albin", "Alexander", "Ali", "Alvin", "Amir", "Anders", "Anton", "Arvid",
    "Axel", "Benjamin", "Carl", "Daniel", "David", "Dennis", "Elias", "Emil", "Erik", "Filip",
    "Fredrik", "Gabriel", "Gustav", "Hampus", "Hassan", "Hugo", "Ibrahim", "Isak", "Jakob", "Jesper",
    "Joel", "Johan", "Jonas", "Josef", "Kevin", "Leo", "Liam", "Linus", "Lucas", "Ludvig",
    "Marcus", "Martin", "Mattias", "Max", "Melvin", "Mohammed", "Mustafa", "Niklas", "Nils", "Noah",
    "Oliver", "Omar", "Oscar", "Patrik", "Rasmus", "Robin", "Samuel", "Sebastian", "Simon", "Theo",
    "Tobias", "Viktor", "Wilhelm", "William", "Yusuf", "Zakaria",
]  # fmt: skip

FEMALE_FIRST_NAMES = [
    "Agnes", "Alice", "Alma", "Amanda", "Amina", "Anna", "Astrid", "Clara", "Ebba", "Elin",
    "Ella", "Ellen", "Elsa", "Emma", "Fatima", "Frida", "Hanna", "Ida", "Julia", "Karin",
    "Lina", "Linnea", "Maja", "Maria", "Matilda", "Meja", "Moa", "Nora", "Olivia", "Sara",
    "Selma", "Sofia", "Tilda", "Vera", "Wilma", "Yasmin",
]  # fmt: skip

SURNAMES = [
    "Abdi", "Ahmed", "Ali", "Andersson", "Arvidsson", "Axelsson", "Berg", "Berggren", "Berglund",
    "Bergman", "Bergström", "Björk", "Björklund", "Blom", "Dahlberg", "Danielsson", "Ek", "Eklund",
    "Ekström", "Eliasson", "Engström", "Eriksson", "Falk", "Forsberg", "Fransson", "Fredriksson",
    "Gustafsson", "Hansson", "Hassan", "Hedlund", "Hellström", "Henriksson", "Holm", "Holmberg",
    "Håkansson", "Isaksson", "Jakobsson", "Jansson", "Johansson", "Jonsson", "Jönsson", "Karlsson",
    "Lind", "Lindberg", "Lindgren", "Lindqvist", "Lindström", "Lund", "Lundberg", "Lundgren",
    "Lundin", "Lundqvist", "Magnusson", "Mattsson", "Mohamed", "Nilsson", "Nordin", "Nyberg",
    "Nyström", "Olofsson", "Olsson", "Omar", "Persson", "Pettersson", "Samuelsson", "Sandberg",
    "Sjöberg", "Svensson", "Söderberg", "Wallin", "Yilmaz", "Åberg", "Öberg",
]  # fmt: skip

CITIES = [
    "Ekhamra", "Granvik", "Björkhamn", "Solstad", "Älvby", "Tallbacka", "Lönnköping", "Askeryd",
    "Norrhalla", "Sjöhamra",
]  # fmt: skip

AREA_PREFIXES = ["", "Norra ", "Södra ", "Östra ", "Västra ", "Nya ", "Gamla "]
AREA_FIRST = [
    "Ek", "Gran", "Björk", "Sol", "Tall", "Lönn", "Ask", "Hassel", "Lind", "Rönn", "Al", "Sälg",
    "Berg", "Sjö", "Äng", "Kvarn", "Mosse", "Hag", "Lärk", "Fur",
]  # fmt: skip
AREA_SECOND = [
    "backen", "lunda", "hagen", "gården", "åsen", "vik", "dal", "torp", "berga", "höjden",
    "parken", "näs", "holm", "ängen",
]  # fmt: skip

STREET_SUFFIXES = ["vägen", "gatan", "gränd", "stigen", "torget", "allén"]

GROUP_PATTERNS = [
    "{area}nätverket", "{area}gänget", "{word} från {area}", "{word}", "{area}ligan", "Unga {word}",
]  # fmt: skip
GROUP_WORDS = [
    "Vargarna", "Korparna", "Falkarna", "Skuggorna", "Kobrorna", "Lejonen", "Bröderna", "Kretsen",
    "Vågen", "Stormen", "Ormarna", "Hökarna", "Järnet", "Blocket", "Gatan", "Kusten",
]  # fmt: skip
GROUP_ALIAS_WORDS = ["Gänget", "Kretsen", "Klanen", "Blocket", "Gruppen", "Linjen"]

VENUES = [
    "Tingsrättens sal 2", "Medborgarhuset", "Polishuset, konferensrum Lind", "Frivårdens lokaler",
    "Stadshuset, sal B", "Kulturhuset", "Folkets hus",
]  # fmt: skip

SPEAKER_TITLES = {
    "moral": ["mamma till ett brottsoffer", "tidigare gängmedlem", "imam", "präst", "fritidsledare"],
    "help": ["socialsekreterare", "avhopparcoach", "arbetsförmedlare", "kurator"],
    "enforcement": ["polisområdeschef", "kommissarie", "frivårdsinspektör", "åklagare"],
}
