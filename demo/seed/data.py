"""Static data of the demo network: an Italian fashion and sport retailer with two warehouses and stores in
real cities at their real coordinates. Brands are invented; addresses are real streets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

DEMO_PASSWORD = "omni-demo"

# (name, role, token, location code or None): fixed tokens so the docs can show them.
DEMO_API_CLIENTS = (
    ("demo-integration", "integration", "omni_demo_integration_token", None),
    ("demo-eshop", "eshop", "omni_demo_eshop_token", None),
    ("demo-kiosk-mi-duomo", "kiosk", "omni_demo_kiosk_token", "MI-DUOMO"),
    ("demo-store-mi-duomo", "store", "omni_demo_store_token", "MI-DUOMO"),
)

Hours = tuple[tuple[int, time, time], ...]  # (weekday 0=Monday, opens, closes)


def _week(days: range, periods: tuple[tuple[str, str], ...]) -> Hours:
    return tuple((day, time.fromisoformat(o), time.fromisoformat(c)) for day in days for o, c in periods)


MON_SAT = range(6)
SUNDAY = range(6, 7)
CITY_CENTRE = _week(MON_SAT, (("10:00", "20:00"),)) + _week(SUNDAY, (("10:30", "19:30"),))
CITY_CENTRE_LATE = _week(MON_SAT, (("10:00", "21:00"),)) + _week(SUNDAY, (("11:00", "20:00"),))
NO_SUNDAY = _week(MON_SAT, (("09:30", "19:30"),))
LUNCH_BREAK = _week(MON_SAT, (("09:30", "13:00"), ("16:30", "20:00")))
WAREHOUSE = _week(range(5), (("06:00", "22:00"),)) + _week(range(5, 6), (("06:00", "14:00"),))


@dataclass(frozen=True)
class DemoLocation:
    code: str
    name: str
    kind: str
    address: str
    postcode: str
    city: str
    latitude: str
    longitude: str
    phone: str
    staff: str  # username stem: "milano.duomo" -> milano.duomo.manager, milano.duomo.1, milano.duomo.2
    hours: Hours
    ships: bool = False
    click_and_collect: bool = True
    accepts_returns: bool = True
    pickup_hold_days: int = 7
    default_safety_stock: int = 1
    preparation_minutes: int = 120
    extra: dict[str, str] = field(default_factory=dict)


def _wh(**kw: object) -> DemoLocation:
    base: dict[str, object] = {
        "kind": "warehouse",
        "hours": WAREHOUSE,
        "ships": True,
        "click_and_collect": False,
        "accepts_returns": True,
        "default_safety_stock": 0,
        "preparation_minutes": 240,
    }
    base.update(kw)
    return DemoLocation(**base)  # type: ignore[arg-type]


def _store(**kw: object) -> DemoLocation:
    base: dict[str, object] = {"kind": "store"}
    base.update(kw)
    return DemoLocation(**base)  # type: ignore[arg-type]


LOCATIONS: tuple[DemoLocation, ...] = (
    _wh(
        code="WH-PIACENZA",
        name="Polo logistico Piacenza Le Mose",
        address="Strada Dogana Po 2",
        postcode="29122",
        city="Piacenza",
        latitude="45.042310",
        longitude="9.743520",
        phone="+39 0523 610 200",
        staff="piacenza.hub",
    ),
    _wh(
        code="WH-BOLOGNA",
        name="Bologna Interporto",
        address="Interporto Bologna, Blocco 8.1",
        postcode="40010",
        city="Bentivoglio",
        latitude="44.638520",
        longitude="11.402830",
        phone="+39 051 665 0410",
        staff="bologna.interporto",
    ),
    _store(
        code="MI-DUOMO",
        name="Milano Duomo",
        address="Corso Vittorio Emanuele II 24",
        postcode="20122",
        city="Milano",
        latitude="45.465420",
        longitude="9.191510",
        phone="+39 02 8725 1001",
        staff="milano.duomo",
        hours=CITY_CENTRE_LATE,
        ships=True,
        pickup_hold_days=10,
        preparation_minutes=60,
    ),
    _store(
        code="MI-PNUOVA",
        name="Milano Porta Nuova",
        address="Piazza Gae Aulenti 4",
        postcode="20124",
        city="Milano",
        latitude="45.483820",
        longitude="9.190290",
        phone="+39 02 8725 1002",
        staff="milano.portanuova",
        hours=CITY_CENTRE,
        preparation_minutes=60,
    ),
    _store(
        code="TO-ROMA",
        name="Torino Via Roma",
        address="Via Roma 53",
        postcode="10123",
        city="Torino",
        latitude="45.067690",
        longitude="7.682410",
        phone="+39 011 561 2201",
        staff="torino.roma",
        hours=CITY_CENTRE,
        ships=True,
    ),
    _store(
        code="GE-XXSETT",
        name="Genova XX Settembre",
        address="Via XX Settembre 40",
        postcode="16121",
        city="Genova",
        latitude="44.407250",
        longitude="8.937010",
        phone="+39 010 580 3301",
        staff="genova.centro",
        hours=NO_SUNDAY,
    ),
    _store(
        code="VE-MERCERIE",
        name="Venezia Mercerie",
        address="Mercerie San Marco 4990",
        postcode="30124",
        city="Venezia",
        latitude="45.436810",
        longitude="12.337050",
        phone="+39 041 520 4401",
        staff="venezia.mercerie",
        hours=CITY_CENTRE,
        pickup_hold_days=5,
    ),
    _store(
        code="VR-MAZZINI",
        name="Verona Via Mazzini",
        address="Via Giuseppe Mazzini 12",
        postcode="37121",
        city="Verona",
        latitude="45.441180",
        longitude="10.997360",
        phone="+39 045 801 5501",
        staff="verona.mazzini",
        hours=NO_SUNDAY,
    ),
    _store(
        code="PD-ROMA",
        name="Padova Via Roma",
        address="Via Roma 40",
        postcode="35122",
        city="Padova",
        latitude="45.404610",
        longitude="11.876440",
        phone="+39 049 875 6601",
        staff="padova.roma",
        hours=NO_SUNDAY,
    ),
    _store(
        code="BG-XXSETT",
        name="Bergamo XX Settembre",
        address="Via XX Settembre 60",
        postcode="24122",
        city="Bergamo",
        latitude="45.694730",
        longitude="9.667120",
        phone="+39 035 421 7701",
        staff="bergamo.centro",
        hours=NO_SUNDAY,
    ),
    _store(
        code="BO-INDIP",
        name="Bologna Indipendenza",
        address="Via dell'Indipendenza 24",
        postcode="40121",
        city="Bologna",
        latitude="44.497610",
        longitude="11.344020",
        phone="+39 051 648 8801",
        staff="bologna.indipendenza",
        hours=CITY_CENTRE,
        ships=True,
    ),
    _store(
        code="FI-CALZAIUOLI",
        name="Firenze Calzaiuoli",
        address="Via dei Calzaiuoli 45",
        postcode="50122",
        city="Firenze",
        latitude="43.771290",
        longitude="11.254830",
        phone="+39 055 239 9901",
        staff="firenze.calzaiuoli",
        hours=CITY_CENTRE_LATE,
    ),
    _store(
        code="RM-CORSO",
        name="Roma Centro Via del Corso",
        address="Via del Corso 181",
        postcode="00186",
        city="Roma",
        latitude="41.900930",
        longitude="12.480320",
        phone="+39 06 6992 1001",
        staff="roma.centro",
        hours=CITY_CENTRE_LATE,
        ships=True,
        pickup_hold_days=10,
        preparation_minutes=60,
    ),
    _store(
        code="RM-EUR",
        name="Roma EUR",
        address="Viale Europa 88",
        postcode="00144",
        city="Roma",
        latitude="41.833720",
        longitude="12.469580",
        phone="+39 06 5922 1002",
        staff="roma.eur",
        hours=CITY_CENTRE,
    ),
    _store(
        code="NA-TOLEDO",
        name="Napoli Via Toledo",
        address="Via Toledo 256",
        postcode="80132",
        city="Napoli",
        latitude="40.842680",
        longitude="14.249020",
        phone="+39 081 552 3301",
        staff="napoli.toledo",
        hours=CITY_CENTRE,
        ships=True,
    ),
    _store(
        code="BA-SPARANO",
        name="Bari Via Sparano",
        address="Via Sparano da Bari 90",
        postcode="70121",
        city="Bari",
        latitude="41.123080",
        longitude="16.871140",
        phone="+39 080 521 4401",
        staff="bari.sparano",
        hours=LUNCH_BREAK,
    ),
    _store(
        code="CT-ETNEA",
        name="Catania Via Etnea",
        address="Via Etnea 200",
        postcode="95131",
        city="Catania",
        latitude="37.508260",
        longitude="15.084810",
        phone="+39 095 310 5501",
        staff="catania.etnea",
        hours=LUNCH_BREAK,
    ),
    _store(
        code="PA-RUGGERO",
        name="Palermo Ruggero Settimo",
        address="Via Ruggero Settimo 45",
        postcode="90139",
        city="Palermo",
        latitude="38.122020",
        longitude="13.359110",
        phone="+39 091 611 6601",
        staff="palermo.centro",
        hours=LUNCH_BREAK,
        pickup_hold_days=5,
    ),
    _store(
        code="CA-GARIBALDI",
        name="Cagliari Via Garibaldi",
        address="Via Giuseppe Garibaldi 60",
        postcode="09127",
        city="Cagliari",
        latitude="39.219650",
        longitude="9.115340",
        phone="+39 070 650 7701",
        staff="cagliari.garibaldi",
        hours=LUNCH_BREAK,
        pickup_hold_days=14,
    ),
)

# Italy's bounding box (Lampedusa to the Vetta d'Italia, Sardinia's west coast to Otranto).
ITALY_LAT = (35.4, 47.1)
ITALY_LON = (6.6, 18.6)

FIRST_NAMES = (
    "Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo", "Martina", "Andrea",
    "Valentina", "Davide", "Elena", "Simone", "Federica", "Lorenzo", "Giorgia", "Francesco", "Alessia",
    "Riccardo", "Silvia", "Stefano", "Laura", "Paolo", "Anna", "Giovanni", "Serena", "Roberto", "Ilaria",
    "Fabio", "Marta", "Antonio", "Beatrice", "Salvatore", "Noemi", "Emanuele", "Camilla", "Vincenzo",
)  # fmt: skip
LAST_NAMES = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
    "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini",
    "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis",
)  # fmt: skip

BRANDS = (
    "Omni Basics",
    "Vento del Nord",
    "Tessuti Riviera",
    "Alpestre",
    "Corsa Libera",
    "Denim Lab Milano",
    "Sale & Sabbia",
    "Urbano 1978",
    "Passo Lungo",
    "Monte Rosa Outdoor",
    "Officina Tricolore",
    "Laguna",
)

# (name, slug, parent slug or None)
CATEGORIES = (
    ("Abbigliamento", "abbigliamento", None),
    ("Calzature", "calzature", None),
    ("Accessori", "accessori", None),
    ("T-shirt e polo", "t-shirt-polo", "abbigliamento"),
    ("Felpe", "felpe", "abbigliamento"),
    ("Camicie", "camicie", "abbigliamento"),
    ("Maglieria", "maglieria", "abbigliamento"),
    ("Jeans", "jeans", "abbigliamento"),
    ("Pantaloni", "pantaloni", "abbigliamento"),
    ("Shorts e bermuda", "shorts-bermuda", "abbigliamento"),
    ("Giacche e giubbotti", "giacche-giubbotti", "abbigliamento"),
    ("Abbigliamento sportivo", "abbigliamento-sportivo", "abbigliamento"),
    ("Sneakers", "sneakers", "calzature"),
    ("Scarpe da running", "scarpe-running", "calzature"),
    ("Stivaletti", "stivaletti", "calzature"),
    ("Zaini", "zaini", "accessori"),
    ("Borse", "borse", "accessori"),
    ("Cappelli", "cappelli", "accessori"),
    ("Calze", "calze", "accessori"),
    ("Cinture", "cinture", "accessori"),
)

# (Italian name, three-letter SKU code)
COLOURS = (
    ("Nero", "NER"),
    ("Bianco", "BIA"),
    ("Blu navy", "NAV"),
    ("Grigio melange", "GRI"),
    ("Rosso", "ROS"),
    ("Verde oliva", "OLI"),
    ("Beige", "BEI"),
    ("Azzurro", "AZZ"),
    ("Bordeaux", "BOR"),
    ("Cammello", "CAM"),
    ("Giallo senape", "SEN"),
    ("Antracite", "ANT"),
    ("Denim chiaro", "DCH"),
    ("Denim scuro", "DSC"),
    ("Kaki", "KAK"),
    ("Rosa cipria", "RCI"),
)

APPAREL = ("XS", "S", "M", "L", "XL", "XXL")
APPAREL_SHORT = ("S", "M", "L", "XL")
WAIST = ("44", "46", "48", "50", "52", "54")
SHOES = ("38", "39", "40", "41", "42", "43", "44", "45")
SHOES_SHORT = ("39", "40", "41", "42", "43", "44")
ONE_SIZE = ("UNICA",)
SOCKS = ("35-38", "39-42", "43-46")
BELTS = ("85", "90", "95", "100")


@dataclass(frozen=True)
class ProductType:
    code: str  # SKU prefix
    category: str  # slug
    nouns: tuple[str, ...]
    details: tuple[str, ...]
    sizes: tuple[str, ...]
    colours: tuple[str, ...]  # SKU colour codes to draw from
    price: tuple[int, int]  # euro range; prices end in .90
    count: int  # products of this type
    colours_per_product: tuple[int, int] = (1, 2)


PRODUCT_TYPES: tuple[ProductType, ...] = (
    ProductType(
        "TSH", "t-shirt-polo", ("T-shirt",),
        ("in cotone biologico", "girocollo", "con scollo a V", "oversize", "a righe", "con stampa",
         "slim fit"),
        APPAREL, ("NER", "BIA", "NAV", "GRI", "ROS", "OLI", "AZZ", "SEN"), (12, 34), 42,
    ),
    ProductType(
        "POL", "t-shirt-polo", ("Polo",),
        ("in piquet", "a maniche lunghe", "in jersey", "con bordi a contrasto"),
        APPAREL_SHORT, ("NER", "BIA", "NAV", "AZZ", "BOR", "OLI"), (29, 59), 18,
    ),
    ProductType(
        "FEL", "felpe", ("Felpa",),
        ("con cappuccio", "girocollo", "con zip intera", "in pile", "garzata", "oversize"),
        APPAREL, ("NER", "GRI", "NAV", "OLI", "BOR", "BEI", "ANT"), (39, 79), 32,
    ),
    ProductType(
        "CAM", "camicie", ("Camicia",),
        ("Oxford", "in lino", "in flanella a quadri", "in denim", "in popeline", "coreana"),
        APPAREL_SHORT, ("BIA", "AZZ", "NAV", "BEI", "DCH"), (39, 89), 24,
    ),
    ProductType(
        "MAG", "maglieria", ("Maglione", "Cardigan", "Dolcevita"),
        ("in lana merino", "in cashmere e lana", "a coste", "in cotone", "a trecce"),
        APPAREL_SHORT, ("NER", "GRI", "NAV", "CAM", "BOR", "BEI", "OLI"), (49, 129), 22,
    ),
    ProductType(
        "JNS", "jeans", ("Jeans",),
        ("slim", "regular", "straight", "a zampa", "tapered", "mom fit", "cinque tasche"),
        WAIST, ("DCH", "DSC", "NER"), (49, 119), 26,
    ),
    ProductType(
        "PAN", "pantaloni", ("Pantaloni", "Chino", "Cargo", "Jogger"),
        ("in cotone stretch", "in velluto", "tecnici", "in lino", "con coulisse"),
        WAIST, ("NER", "BEI", "NAV", "OLI", "KAK", "ANT"), (39, 89), 24,
    ),
    ProductType(
        "SHO", "shorts-bermuda", ("Bermuda", "Shorts"),
        ("in cotone", "cargo", "da mare", "in lino", "in felpa"),
        APPAREL_SHORT, ("BEI", "NAV", "OLI", "KAK", "AZZ"), (24, 49), 16,
    ),
    ProductType(
        "GIA", "giacche-giubbotti", ("Giacca a vento", "Piumino", "Parka", "Bomber", "Giacca in jeans"),
        ("leggero", "impermeabile", "imbottito", "con cappuccio", "riciclato", "reversibile"),
        APPAREL, ("NER", "NAV", "OLI", "ROS", "CAM", "ANT"), (89, 249), 26,
    ),
    ProductType(
        "SPT", "abbigliamento-sportivo", ("Leggings", "Tuta", "Canotta tecnica", "Maglia running"),
        ("traspirante", "a compressione", "riflettente", "quick dry", "seamless"),
        APPAREL, ("NER", "ANT", "AZZ", "RCI", "ROS"), (19, 69), 20,
    ),
    ProductType(
        "SNK", "sneakers", ("Sneakers",),
        ("in pelle", "in tela", "in camoscio", "platform", "basse", "alte", "retro"),
        SHOES, ("BIA", "NER", "GRI", "NAV", "BEI"), (59, 159), 28, (1, 1),
    ),
    ProductType(
        "RUN", "scarpe-running", ("Scarpe da running", "Scarpe da trail"),
        ("ammortizzate", "leggere", "da gara", "stabili", "con tomaia in mesh"),
        SHOES_SHORT, ("NER", "AZZ", "ROS", "GRI", "SEN"), (79, 169), 16, (1, 1),
    ),
    ProductType(
        "STV", "stivaletti", ("Stivaletti", "Chelsea boot", "Anfibi"),
        ("in pelle", "in camoscio", "con suola carrarmato", "imbottiti"),
        SHOES_SHORT, ("NER", "CAM", "BOR"), (89, 189), 12, (1, 1),
    ),
    ProductType(
        "ZAI", "zaini", ("Zaino",),
        ("da città 20 litri", "porta PC 15 pollici", "da trekking 30 litri", "roll-top", "in tela cerata"),
        ONE_SIZE, ("NER", "NAV", "OLI", "GRI", "SEN", "ROS"), (39, 119), 18, (2, 4),
    ),
    ProductType(
        "BOR", "borse", ("Borsa a tracolla", "Marsupio", "Shopper", "Borsone"),
        ("in pelle", "in nylon", "in tela", "da palestra"),
        ONE_SIZE, ("NER", "CAM", "BEI", "NAV", "BOR"), (24, 99), 14, (2, 3),
    ),
    ProductType(
        "CPP", "cappelli", ("Cappellino da baseball", "Berretto", "Cappello da pescatore"),
        ("in cotone", "in lana", "con ricamo", "a coste"),
        ONE_SIZE, ("NER", "NAV", "BEI", "ROS", "OLI", "GRI"), (14, 34), 12, (2, 4),
    ),
    ProductType(
        "CLZ", "calze", ("Calze corte", "Calze sportive", "Calze lunghe"),
        ("confezione da 3", "in cotone", "in lana", "antivescica"),
        SOCKS, ("NER", "BIA", "GRI"), (8, 19), 10, (1, 2),
    ),
    ProductType(
        "CIN", "cinture", ("Cintura",),
        ("in pelle", "intrecciata", "in tela", "reversibile"),
        BELTS, ("NER", "CAM", "BOR"), (24, 69), 8, (1, 2),
    ),
)  # fmt: skip

# Model names: places of Italy, combined with the product type and a detail.
MODELS = (
    "Portofino", "Dolomiti", "Riviera", "Brera", "Navigli", "Amalfi", "Capri", "Etna", "Vesuvio",
    "Garda", "Como", "Maremma", "Cervino", "Stelvio", "Sila", "Gargano", "Salento", "Langhe", "Chianti",
    "Murano", "Positano", "Taormina", "Cortina", "Sestriere", "Tirreno", "Adriatico", "Ligure", "Ionio",
    "Trastevere", "Isola", "Tortona", "Oltrarno", "Posillipo", "Maddalena", "Asinara", "Eolie", "Egadi",
    "Monviso", "Gran Sasso", "Majella", "Aspromonte", "Cilento", "Conero", "Argentario", "Elba", "Giglio",
)  # fmt: skip

# Benchmark (--scale): model names reused, stores spread over these cities (lat, lon).
BENCH_CITIES = (
    ("Milano", 45.4642, 9.1900), ("Roma", 41.9028, 12.4964), ("Napoli", 40.8518, 14.2681),
    ("Torino", 45.0703, 7.6869), ("Palermo", 38.1157, 13.3615), ("Genova", 44.4056, 8.9463),
    ("Bologna", 44.4949, 11.3426), ("Firenze", 43.7696, 11.2558), ("Bari", 41.1171, 16.8719),
    ("Catania", 37.5079, 15.0830), ("Venezia", 45.4408, 12.3155), ("Verona", 45.4384, 10.9916),
    ("Messina", 38.1938, 15.5540), ("Padova", 45.4064, 11.8768), ("Trieste", 45.6495, 13.7768),
    ("Brescia", 45.5416, 10.2118), ("Parma", 44.8015, 10.3279), ("Taranto", 40.4644, 17.2470),
    ("Prato", 43.8777, 11.1022), ("Modena", 44.6471, 10.9252), ("Reggio Calabria", 38.1113, 15.6473),
    ("Reggio Emilia", 44.6989, 10.6297), ("Perugia", 43.1107, 12.3908), ("Livorno", 43.5485, 10.3106),
    ("Cagliari", 39.2238, 9.1217), ("Foggia", 41.4622, 15.5446), ("Rimini", 44.0678, 12.5695),
    ("Salerno", 40.6824, 14.7681), ("Ferrara", 44.8381, 11.6198), ("Sassari", 40.7259, 8.5557),
    ("Latina", 41.4676, 12.9037), ("Monza", 45.5845, 9.2744), ("Bergamo", 45.6983, 9.6773),
    ("Pescara", 42.4618, 14.2161), ("Trento", 46.0748, 11.1217), ("Vicenza", 45.5455, 11.5354),
    ("Bolzano", 46.4983, 11.3548), ("Novara", 45.4469, 8.6220), ("Ancona", 43.6158, 13.5189),
    ("Lecce", 40.3515, 18.1750), ("Udine", 46.0711, 13.2346), ("Siracusa", 37.0755, 15.2866),
)  # fmt: skip
