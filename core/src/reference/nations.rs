//! The 32 NATO member nations: names by gender and service-number formats.
//!
//! The name lists start from the ancestor's `demographics.json` (20 male and 20 female
//! given names and 20 family names per nation). We removed its duplicates, separated the
//! masculine and feminine surname forms it mixed in one list (Greece, Iceland, Latvia),
//! replaced a few entries that were duplicates or not family names, and added the
//! feminine surname forms for languages that inflect surnames by gender. Service-number
//! patterns are our own synthetic formats, not real identifiers; see
//! `docs/reference-data.md`.

/// One NATO member nation.
#[derive(Debug)]
pub struct Nation {
    /// ISO 3166-1 alpha-3 code, e.g. `"POL"`.
    pub code: &'static str,
    /// English short name, e.g. `"Poland"`.
    pub name: &'static str,
    /// Male given names (distinct).
    pub given_male: &'static [&'static str],
    /// Female given names (distinct).
    pub given_female: &'static [&'static str],
    /// Family names in their masculine (or only) form (distinct).
    pub family_male: &'static [&'static str],
    /// Family names in their feminine form, index-aligned with `family_male`
    /// (equal to it for languages without gendered surnames).
    pub family_female: &'static [&'static str],
    /// Service-number pattern: `9` is a random digit, `A` a random capital letter,
    /// anything else is copied literally.
    pub service_number: &'static str,
}

/// The 32 NATO member nations, sorted by code.
#[rustfmt::skip]
pub static NATIONS: &[Nation] = &[
    Nation {
        code: "ALB",
        name: "Albania",
        given_male: &[
            "Agron", "Arben", "Besnik", "Bledar", "Dritan", "Eduart", "Fatos", "Genti", "Ilir",
            "Kujtim", "Luan", "Mentor", "Ndriçim", "Orgest", "Petrit", "Qemal", "Rexhep", "Skënder",
            "Taulant", "Zamir",
        ],
        given_female: &[
            "Adelina", "Besa", "Donika", "Elira", "Fatime", "Gentiana", "Hasime", "Irena", "Jehona",
            "Klajda", "Luljeta", "Marsela", "Nevila", "Ornela", "Pranvera", "Rudina", "Sonila",
            "Teuta", "Vjollca", "Zamira",
        ],
        family_male: ALB_FAMILY,
        family_female: ALB_FAMILY,
        service_number: "A99999999A",
    },
    Nation {
        code: "BEL",
        name: "Belgium",
        given_male: &[
            "Lucas", "Liam", "Louis", "Noah", "Arthur", "Adam", "Jules", "Victor", "Mathis",
            "Nathan", "Jean", "Thomas", "Nicolas", "David", "Pierre", "Marc", "Philippe", "Maxime",
            "Alexandre", "Michel",
        ],
        given_female: &[
            "Emma", "Olivia", "Louise", "Mila", "Alice", "Juliette", "Anna", "Lucie", "Camille",
            "Lina", "Marie", "Sophie", "Élise", "Charlotte", "Léa", "Clara", "Julie", "Chloé",
            "Sarah", "Manon",
        ],
        family_male: BEL_FAMILY,
        family_female: BEL_FAMILY,
        service_number: "99.99.99-999.99",
    },
    Nation {
        code: "BGR",
        name: "Bulgaria",
        given_male: &[
            "Georgi", "Ivan", "Dimitar", "Nikolay", "Petar", "Hristo", "Stefan", "Aleksandar",
            "Todor", "Stoyan", "Vasil", "Yordan", "Plamen", "Angel", "Krasimir", "Rumen",
            "Lyubomir", "Valentin", "Emil", "Asen",
        ],
        given_female: &[
            "Maria", "Ivana", "Elena", "Dimitrina", "Gergana", "Yordanka", "Silvia", "Desislava",
            "Daniela", "Radka", "Tsvetanka", "Violeta", "Antoaneta", "Margarita", "Viktoria",
            "Diana", "Petra", "Nadezhda", "Ralitsa", "Tanya",
        ],
        family_male: &[
            "Georgiev", "Ivanov", "Dimitrov", "Petrov", "Hristov", "Stoychev", "Stefanov",
            "Todorov", "Nikolov", "Stoyanov", "Kolev", "Marinov", "Angelov", "Vasilev", "Yordanov",
            "Kostov", "Iliev", "Popov", "Kovachev", "Atanasov",
        ],
        family_female: &[
            "Georgieva", "Ivanova", "Dimitrova", "Petrova", "Hristova", "Stoycheva", "Stefanova",
            "Todorova", "Nikolova", "Stoyanova", "Koleva", "Marinova", "Angelova", "Vasileva",
            "Yordanova", "Kostova", "Ilieva", "Popova", "Kovacheva", "Atanasova",
        ],
        service_number: "9999999999",
    },
    Nation {
        code: "CAN",
        name: "Canada",
        given_male: &[
            "Noah", "Liam", "William", "Logan", "Benjamin", "Jacob", "Lucas", "Thomas", "Ethan",
            "Oliver", "James", "Alexander", "Nathan", "Samuel", "Nicolas", "Gabriel", "Olivier",
            "Felix", "Charles", "Antoine",
        ],
        given_female: &[
            "Olivia", "Emma", "Charlotte", "Sophia", "Amelia", "Ava", "Emily", "Elizabeth", "Sofia",
            "Mia", "Lea", "Alice", "Florence", "Chloe", "Zoe", "Rosalie", "Victoria", "Beatrice",
            "Camille", "Clara",
        ],
        family_male: CAN_FAMILY,
        family_female: CAN_FAMILY,
        service_number: "A99999999",
    },
    Nation {
        code: "CZE",
        name: "Czechia",
        given_male: &[
            "Jiří", "Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav",
            "Zdeněk", "František", "Václav", "Michal", "Milan", "Karel", "Lukáš", "David", "Jakub",
            "Ladislav", "Roman",
        ],
        given_female: &[
            "Marie", "Jana", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Věra", "Lucie", "Alena",
            "Petra", "Jaroslava", "Veronika", "Martina", "Tereza", "Jitka", "Michaela", "Barbora",
            "Zdeňka", "Monika",
        ],
        family_male: &[
            "Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý",
            "Horák", "Němec", "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš",
            "Fiala", "Sedláček", "Doležal",
        ],
        family_female: &[
            "Nováková", "Svobodová", "Novotná", "Dvořáková", "Černá", "Procházková", "Kučerová",
            "Veselá", "Horáková", "Němcová", "Marková", "Pospíšilová", "Hájková", "Jelínková",
            "Králová", "Růžičková", "Benešová", "Fialová", "Sedláčková", "Doležalová",
        ],
        service_number: "999999/9999",
    },
    Nation {
        code: "DEU",
        name: "Germany",
        given_male: &[
            "Ben", "Leon", "Finn", "Noah", "Elias", "Paul", "Luis", "Jonas", "Felix", "Maximilian",
            "Thomas", "Michael", "Andreas", "Stefan", "Peter", "Klaus", "Wolfgang", "Jürgen",
            "Hans", "Frank",
        ],
        given_female: &[
            "Emilia", "Hannah", "Emma", "Sofia", "Mia", "Lina", "Mila", "Charlotte", "Ella",
            "Klara", "Sabine", "Susanne", "Petra", "Karin", "Andrea", "Monika", "Claudia", "Birgit",
            "Stefanie", "Nicole",
        ],
        family_male: DEU_FAMILY,
        family_female: DEU_FAMILY,
        service_number: "999999-A-99999",
    },
    Nation {
        code: "DNK",
        name: "Denmark",
        given_male: &[
            "William", "Noah", "Lucas", "Oliver", "Emil", "Alfred", "Oscar", "Victor", "Malthe",
            "August", "Frederik", "Magnus", "Valdemar", "Anton", "Carl", "Villads", "Aksel",
            "Christian", "Theodor", "Alexander",
        ],
        given_female: &[
            "Emma", "Alma", "Clara", "Sofia", "Ida", "Freja", "Ella", "Agnes", "Anna", "Karla",
            "Laura", "Isabella", "Josefine", "Victoria", "Olivia", "Alberte", "Nora", "Frida",
            "Mathilde", "Caroline",
        ],
        family_male: DNK_FAMILY,
        family_female: DNK_FAMILY,
        service_number: "999999-9999",
    },
    Nation {
        code: "ESP",
        name: "Spain",
        given_male: &[
            "Hugo", "Mateo", "Martín", "Lucas", "Leo", "Daniel", "Alejandro", "Manuel", "Pablo",
            "Álvaro", "Antonio", "José", "Sergio", "Francisco", "Juan", "David", "Javier", "Carlos",
            "Jesús", "Miguel",
        ],
        given_female: &[
            "Lucía", "Sofía", "Martina", "María", "Julia", "Paula", "Valeria", "Emma", "Daniela",
            "Carla", "Carmen", "Josefa", "Isabel", "María Dolores", "María Pilar", "María Teresa",
            "Ana María", "María Carmen", "Laura", "Cristina",
        ],
        family_male: ESP_FAMILY,
        family_female: ESP_FAMILY,
        service_number: "99999999A",
    },
    Nation {
        code: "EST",
        name: "Estonia",
        given_male: &[
            "Markus", "Rasmus", "Oliver", "Martin", "Robin", "Karl", "Sander", "Robert", "Kristjan",
            "Marten", "Andres", "Jaan", "Margus", "Tõnu", "Rein", "Tarmo", "Marko", "Aivar",
            "Toomas", "Tiit",
        ],
        given_female: &[
            "Sofia", "Maria", "Laura", "Eliise", "Mia", "Emma", "Hanna", "Aleksandra", "Elizaveta",
            "Milana", "Tiina", "Kadri", "Anne", "Kristiina", "Mari", "Piret", "Sirje", "Kristi",
            "Liis", "Katrin",
        ],
        family_male: EST_FAMILY,
        family_female: EST_FAMILY,
        service_number: "99999999999",
    },
    Nation {
        code: "FIN",
        name: "Finland",
        given_male: &[
            "Juha", "Timo", "Matti", "Kari", "Mikko", "Pekka", "Antti", "Jari", "Jukka", "Markku",
            "Sami", "Hannu", "Heimo", "Ari", "Ville", "Petri", "Marko", "Janne", "Esa", "Jaakko",
        ],
        given_female: &[
            "Maria", "Helena", "Johanna", "Kaarina", "Liisa", "Anne", "Tiina", "Leena", "Päivi",
            "Katja", "Anna", "Sari", "Hanna", "Marja", "Satu", "Tarja", "Eeva", "Tuula", "Riitta",
            "Maija",
        ],
        family_male: FIN_FAMILY,
        family_female: FIN_FAMILY,
        service_number: "999999-999A",
    },
    Nation {
        code: "FRA",
        name: "France",
        given_male: &[
            "Gabriel", "Léo", "Raphaël", "Louis", "Lucas", "Adam", "Arthur", "Jules", "Hugo",
            "Maël", "Jean", "Thomas", "Nicolas", "Pierre", "Philippe", "Michel", "Alain", "Jacques",
            "Bernard", "Robert",
        ],
        given_female: &[
            "Emma", "Jade", "Louise", "Alice", "Chloé", "Léa", "Manon", "Rose", "Anna", "Inès",
            "Marie", "Catherine", "Françoise", "Monique", "Isabelle", "Nathalie", "Sylvie",
            "Martine", "Nicole", "Jacqueline",
        ],
        family_male: FRA_FAMILY,
        family_female: FRA_FAMILY,
        service_number: "9999999999",
    },
    Nation {
        code: "GBR",
        name: "United Kingdom",
        given_male: &[
            "Oliver", "Noah", "George", "Arthur", "Muhammad", "Leo", "Oscar", "Harry", "Archie",
            "Jack", "John", "David", "Michael", "Robert", "James", "William", "Thomas", "Richard",
            "Charles", "Joseph",
        ],
        given_female: &[
            "Olivia", "Amelia", "Isla", "Ava", "Lily", "Mia", "Sophia", "Isabella", "Grace",
            "Rosie", "Mary", "Patricia", "Jennifer", "Elizabeth", "Linda", "Barbara", "Susan",
            "Margaret", "Sarah", "Dorothy",
        ],
        family_male: GBR_FAMILY,
        family_female: GBR_FAMILY,
        service_number: "30999999",
    },
    Nation {
        code: "GRC",
        name: "Greece",
        given_male: &[
            "Giorgos", "Dimitris", "Konstantinos", "Yiannis", "Nikos", "Christos", "Panagiotis",
            "Vasilis", "Thanasis", "Michalis", "Alexandros", "Andreas", "Evangelos", "Petros",
            "Spyridon", "Theodoros", "Ilias", "Stavros", "Antonis", "Sotiris",
        ],
        given_female: &[
            "Maria", "Eleni", "Georgia", "Dimitra", "Katerina", "Vasiliki", "Sofia", "Konstantina",
            "Anna", "Ioanna", "Chrysoula", "Paraskevi", "Despoina", "Angeliki", "Evangelia",
            "Christina", "Panagiota", "Alexandra", "Aikaterini", "Zoi",
        ],
        family_male: &[
            "Papadopoulos", "Georgiou", "Vlachos", "Konstantinidis", "Dimitriou", "Nikolaou",
            "Papandreou", "Alexiou", "Vassiliou", "Antoniou", "Dimopoulos", "Karagiannis", "Makris",
            "Oikonomou", "Theodorou", "Panagiotopoulos", "Michailidis", "Pappas", "Angelopoulos",
            "Ioannidis",
        ],
        family_female: &[
            "Papadopoulou", "Georgiou", "Vlachou", "Konstantinidou", "Dimitriou", "Nikolaou",
            "Papandreou", "Alexiou", "Vassiliou", "Antoniou", "Dimopoulou", "Karagianni", "Makri",
            "Oikonomou", "Theodorou", "Panagiotopoulou", "Michailidou", "Pappa", "Angelopoulou",
            "Ioannidou",
        ],
        service_number: "AA999999",
    },
    Nation {
        code: "HRV",
        name: "Croatia",
        given_male: &[
            "Ivan", "Marko", "Josip", "Ante", "Petar", "Matej", "Luka", "Nikola", "Stjepan",
            "Tomislav", "Mario", "Karlo", "Filip", "Antonio", "Domagoj", "Dario", "Vedran", "Ivica",
            "Matija", "Davor",
        ],
        given_female: &[
            "Ana", "Ivana", "Marija", "Maja", "Petra", "Katarina", "Marina", "Josipa", "Jelena",
            "Martina", "Valentina", "Iva", "Lucija", "Nina", "Mirjana", "Danijela", "Kristina",
            "Sandra", "Nikolina", "Barbara",
        ],
        family_male: HRV_FAMILY,
        family_female: HRV_FAMILY,
        service_number: "99999999999",
    },
    Nation {
        code: "HUN",
        name: "Hungary",
        given_male: &[
            "Bence", "Máté", "Levente", "Ádám", "Dávid", "Balázs", "Péter", "Tamás", "László",
            "Gábor", "István", "András", "Zoltán", "Attila", "Sándor", "József", "János", "Ferenc",
            "Zsolt", "Mihály",
        ],
        given_female: &[
            "Hanna", "Anna", "Nóra", "Zoé", "Luca", "Lili", "Emma", "Boglárka", "Zsófia", "Jázmin",
            "Mária", "Erzsébet", "Katalin", "Éva", "Ilona", "Andrea", "Zsuzsanna", "Judit", "Ágnes",
            "Margit",
        ],
        family_male: HUN_FAMILY,
        family_female: HUN_FAMILY,
        service_number: "999999AA",
    },
    Nation {
        code: "ISL",
        name: "Iceland",
        given_male: &[
            "Aron", "Alexander", "Guðmundur", "Kristján", "Jón", "Sigurður", "Gunnar", "Ólafur",
            "Kári", "Daníel", "Stefán", "Bjarki", "Einar", "Arnar", "Kristinn", "Björn", "Davíð",
            "Tómas", "Magnús", "Sindri",
        ],
        given_female: &[
            "Emma", "Sara", "Eva", "Guðrún", "Katrín", "Anna", "María", "Margrét", "Kristín",
            "Helga", "Elísabet", "Sigrún", "Ingibjörg", "Lilja", "Ásta", "Birna", "Hildur", "Hekla",
            "Þóra", "Harpa",
        ],
        family_male: &[
            "Jónsson", "Sigurðsson", "Guðmundsson", "Kristjánsson", "Ólafsson", "Arnarson",
            "Þórðarson", "Gunnarsson", "Magnússon", "Einarsson", "Stefánsson", "Jóhannsson",
            "Björnsson", "Helgason", "Pétursson", "Árnason", "Halldórsson", "Friðriksson",
            "Sveinsson", "Ragnarsson",
        ],
        family_female: &[
            "Jónsdóttir", "Sigurðardóttir", "Guðmundsdóttir", "Kristjánsdóttir", "Ólafsdóttir",
            "Arnarsdóttir", "Þórðardóttir", "Gunnarsdóttir", "Magnúsdóttir", "Einarsdóttir",
            "Stefánsdóttir", "Jóhannsdóttir", "Björnsdóttir", "Helgadóttir", "Pétursdóttir",
            "Árnadóttir", "Halldórsdóttir", "Friðriksdóttir", "Sveinsdóttir", "Ragnarsdóttir",
        ],
        service_number: "999999-9999",
    },
    Nation {
        code: "ITA",
        name: "Italy",
        given_male: &[
            "Francesco", "Alessandro", "Lorenzo", "Leonardo", "Andrea", "Matteo", "Gabriele",
            "Riccardo", "Mattia", "Tommaso", "Giuseppe", "Antonio", "Mario", "Luigi", "Giovanni",
            "Roberto", "Salvatore", "Paolo", "Vincenzo", "Michele",
        ],
        given_female: &[
            "Sofia", "Giulia", "Aurora", "Alice", "Ginevra", "Emma", "Giorgia", "Greta", "Beatrice",
            "Anna", "Maria", "Giuseppina", "Rosa", "Angela", "Teresa", "Giovanna", "Carmela",
            "Anna Maria", "Lucia", "Caterina",
        ],
        family_male: ITA_FAMILY,
        family_female: ITA_FAMILY,
        service_number: "AAAAAA99A99A999A",
    },
    Nation {
        code: "LTU",
        name: "Lithuania",
        given_male: &[
            "Matas", "Lukas", "Dominykas", "Jokūbas", "Kajus", "Nojus", "Dovydas", "Benas",
            "Herkus", "Joris", "Jonas", "Tomas", "Ignas", "Mantas", "Darius", "Andrius", "Vytautas",
            "Mindaugas", "Gediminas", "Paulius",
        ],
        given_female: &[
            "Liepa", "Emilija", "Amelija", "Lėja", "Sofija", "Gabija", "Austėja", "Luknė", "Kamilė",
            "Patricija", "Greta", "Ieva", "Eglė", "Rūta", "Laura", "Agnė", "Lina", "Rasa", "Vaida",
            "Jurgita",
        ],
        family_male: &[
            "Kazlauskas", "Petrauskas", "Jankauskas", "Žukauskas", "Butkus", "Vasiliauskas",
            "Paulauskas", "Urbonas", "Kavaliauskas", "Stankevičius", "Navickas", "Mickevičius",
            "Balčiūnas", "Jonaitis", "Lukoševičius", "Grigas", "Bakšys", "Žilinskas", "Vaitkus",
            "Valaitis",
        ],
        family_female: &[
            "Kazlauskienė", "Petrauskienė", "Jankauskienė", "Žukauskienė", "Butkienė",
            "Vasiliauskienė", "Paulauskienė", "Urbonienė", "Kavaliauskienė", "Stankevičienė",
            "Navickienė", "Mickevičienė", "Balčiūnienė", "Jonaitienė", "Lukoševičienė", "Grigienė",
            "Bakšienė", "Žilinskienė", "Vaitkienė", "Valaitienė",
        ],
        service_number: "99999999999",
    },
    Nation {
        code: "LUX",
        name: "Luxembourg",
        given_male: &[
            "Luca", "Gabriel", "Leo", "Louis", "Noah", "Theo", "Felix", "Ben", "Adam", "David",
            "Michel", "Jean", "Nicolas", "Pierre", "Pit", "Tom", "Marc", "Claude", "Fernand", "Jos",
        ],
        given_female: &[
            "Emma", "Sophia", "Lina", "Mia", "Emilia", "Lea", "Sofia", "Anna", "Lena", "Amelia",
            "Marie", "Martine", "Claire", "Anne", "Catherine", "Nicole", "Isabelle", "Sophie",
            "Monique", "Françoise",
        ],
        family_male: LUX_FAMILY,
        family_female: LUX_FAMILY,
        service_number: "9999999999999",
    },
    Nation {
        code: "LVA",
        name: "Latvia",
        given_male: &[
            "Roberts", "Markuss", "Emīls", "Gustavs", "Jānis", "Artjoms", "Daniels", "Olivers",
            "Ralfs", "Aleksandrs", "Andris", "Kaspars", "Juris", "Mārtiņš", "Edgars", "Kristaps",
            "Oskars", "Raimonds", "Guntis", "Pēteris",
        ],
        given_female: &[
            "Sofija", "Emīlija", "Alise", "Marta", "Estere", "Anna", "Elizabete", "Amēlija",
            "Viktorija", "Elza", "Inese", "Līga", "Ilze", "Laima", "Iveta", "Sandra", "Kristīne",
            "Dace", "Anita", "Baiba",
        ],
        family_male: &[
            "Bērziņš", "Kalniņš", "Ozoliņš", "Jansons", "Pētersons", "Krūmiņš", "Liepiņš",
            "Balodis", "Ozols", "Zariņš", "Vītols", "Kļaviņš", "Kārkliņš", "Lācis", "Eglītis",
            "Siliņš", "Vanags", "Zālītis", "Grīnbergs", "Dombrovskis",
        ],
        family_female: &[
            "Bērziņa", "Kalniņa", "Ozoliņa", "Jansone", "Pētersone", "Krūmiņa", "Liepiņa", "Balode",
            "Ozola", "Zariņa", "Vītola", "Kļaviņa", "Kārkliņa", "Lāce", "Eglīte", "Siliņa",
            "Vanaga", "Zālīte", "Grīnberga", "Dombrovska",
        ],
        service_number: "999999-99999",
    },
    Nation {
        code: "MKD",
        name: "North Macedonia",
        given_male: &[
            "Stefan", "Luka", "Marko", "Nikola", "Aleksandar", "Petar", "Filip", "Andrej", "Mihail",
            "Viktor", "Dimitar", "Jovan", "Bojan", "Darko", "Goran", "Dragan", "Milan", "Ivan",
            "Zoran", "Gjorgji",
        ],
        given_female: &[
            "Ana", "Elena", "Sara", "Marija", "Sofija", "Angela", "Mia", "Teodora", "Kristina",
            "Jana", "Ivana", "Aleksandra", "Katerina", "Jovana", "Bojana", "Viktorija", "Martina",
            "Magdalena", "Dragana", "Maja",
        ],
        family_male: &[
            "Popovski", "Stojanovski", "Petrovski", "Dimitrovski", "Nikolovski", "Angelovski",
            "Georgievski", "Trajkovski", "Ilievski", "Jankulovski", "Ristovski", "Todorovski",
            "Stojanov", "Petrov", "Dimitrov", "Nikolov", "Angelov", "Georgiev", "Trajkov", "Iliev",
        ],
        family_female: &[
            "Popovska", "Stojanovska", "Petrovska", "Dimitrovska", "Nikolovska", "Angelovska",
            "Georgievska", "Trajkovska", "Ilievska", "Jankulovska", "Ristovska", "Todorovska",
            "Stojanova", "Petrova", "Dimitrova", "Nikolova", "Angelova", "Georgieva", "Trajkova",
            "Ilieva",
        ],
        service_number: "9999999999999",
    },
    Nation {
        code: "MNE",
        name: "Montenegro",
        given_male: &[
            "Nikola", "Luka", "Marko", "Stefan", "Vuk", "Vasilije", "Aleksandar", "Petar",
            "Andrija", "Filip", "Miloš", "Jovan", "Đorđe", "Nemanja", "Dušan", "Matija", "Mihajlo",
            "Pavle", "Bogdan", "Todor",
        ],
        given_female: &[
            "Sofija", "Sara", "Anđela", "Mila", "Jana", "Milica", "Anastasija", "Mia", "Dunja",
            "Nina", "Marija", "Jovana", "Jelena", "Ana", "Aleksandra", "Ivana", "Teodora",
            "Kristina", "Tamara", "Dragana",
        ],
        family_male: MNE_FAMILY,
        family_female: MNE_FAMILY,
        service_number: "9999999999999",
    },
    Nation {
        code: "NLD",
        name: "Netherlands",
        given_male: &[
            "Noah", "Liam", "Lucas", "Sem", "Finn", "Daan", "Levi", "James", "Milan", "Luuk", "Jan",
            "Peter", "Johannes", "Hendrik", "Willem", "Cornelis", "Gerrit", "Johan", "Antonius",
            "Petrus",
        ],
        given_female: &[
            "Julia", "Emma", "Sophie", "Mila", "Tess", "Sara", "Nora", "Liv", "Eva", "Evi", "Maria",
            "Johanna", "Anna", "Elisabeth", "Cornelia", "Catharina", "Wilhelmina", "Petronella",
            "Adriana", "Hendrika",
        ],
        family_male: NLD_FAMILY,
        family_female: NLD_FAMILY,
        service_number: "999999999",
    },
    Nation {
        code: "NOR",
        name: "Norway",
        given_male: &[
            "Oliver", "Noah", "William", "Lucas", "Filip", "Liam", "Jakob", "Emil", "Theo", "Isak",
            "Jan", "Per", "Bjørn", "Hans", "Nils", "Ole", "Lars", "Anders", "Johan", "Knut",
        ],
        given_female: &[
            "Emma", "Nora", "Olivia", "Sofie", "Ella", "Maja", "Sophia", "Emilie", "Leah", "Sofia",
            "Anne", "Ingrid", "Marit", "Kari", "Inger", "Liv", "Eva", "Berit", "Solveig", "Hilde",
        ],
        family_male: NOR_FAMILY,
        family_female: NOR_FAMILY,
        service_number: "99999999999",
    },
    Nation {
        code: "POL",
        name: "Poland",
        given_male: &[
            "Jakub", "Jan", "Adam", "Piotr", "Michał", "Paweł", "Tomasz", "Krzysztof", "Andrzej",
            "Marcin", "Marek", "Łukasz", "Grzegorz", "Józef", "Zbigniew", "Jerzy", "Mateusz",
            "Tadeusz", "Dariusz", "Daniel",
        ],
        given_female: &[
            "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Krystyna", "Ewa",
            "Elżbieta", "Zofia", "Janina", "Teresa", "Joanna", "Magdalena", "Monika", "Jadwiga",
            "Danuta", "Aleksandra", "Halina", "Irena",
        ],
        family_male: &[
            "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
            "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
        ],
        family_female: &[
            "Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowska",
            "Zielińska", "Szymańska", "Woźniak", "Dąbrowska", "Kozłowska", "Jankowska", "Mazur",
            "Kwiatkowska", "Krawczyk", "Piotrowska", "Grabowska", "Nowakowska", "Pawłowska",
        ],
        service_number: "99999999999",
    },
    Nation {
        code: "PRT",
        name: "Portugal",
        given_male: &[
            "Santiago", "João", "Francisco", "Rodrigo", "Tomás", "Miguel", "Duarte", "Afonso",
            "Gabriel", "Martim", "António", "José", "Manuel", "Pedro", "Joaquim", "Carlos",
            "Fernando", "Paulo", "Jorge", "Luís",
        ],
        given_female: &[
            "Maria", "Leonor", "Matilde", "Carolina", "Beatriz", "Ana", "Sofia", "Clara",
            "Francisca", "Mariana", "Ana Maria", "Ana Sofia", "Margarida", "Madalena", "Catarina",
            "Joana", "Inês", "Teresa", "Alexandra", "Cristina",
        ],
        family_male: PRT_FAMILY,
        family_female: PRT_FAMILY,
        service_number: "99999999",
    },
    Nation {
        code: "ROU",
        name: "Romania",
        given_male: &[
            "Andrei", "David", "Alexandru", "Gabriel", "Ștefan", "Luca", "Darius", "Mihai", "Matei",
            "Tudor", "Ion", "Gheorghe", "Vasile", "Constantin", "Florin", "Adrian", "Ioan",
            "Marius", "Bogdan", "Cătălin",
        ],
        given_female: &[
            "Sofia", "Maria", "Ioana", "Elena", "Andreea", "Antonia", "Daria", "Ana", "Alexandra",
            "Ștefania", "Ana Maria", "Cristina", "Mihaela", "Gabriela", "Daniela", "Alina",
            "Florentina", "Adriana", "Georgiana", "Diana",
        ],
        family_male: ROU_FAMILY,
        family_female: ROU_FAMILY,
        service_number: "9999999999999",
    },
    Nation {
        code: "SVK",
        name: "Slovakia",
        given_male: &[
            "Jakub", "Samuel", "Adam", "Michal", "Martin", "Tomáš", "Lukáš", "Filip", "Matej",
            "Oliver", "Ján", "Peter", "Jozef", "Štefan", "Milan", "Juraj", "Daniel", "Vladimír",
            "Dušan", "Marek",
        ],
        given_female: &[
            "Sofia", "Nina", "Ema", "Ella", "Viktória", "Natália", "Nela", "Laura", "Sára",
            "Tamara", "Anna", "Mária", "Katarína", "Helena", "Eva", "Zuzana", "Jana", "Martina",
            "Monika", "Veronika",
        ],
        family_male: &[
            "Horváth", "Kováč", "Tóth", "Nagy", "Baláž", "Molnár", "Varga", "Lukáč", "Balogh",
            "Polák", "Novák", "Kováčik", "Králik", "Szabó", "Takáč", "Kollár", "Farkaš", "Krajčír",
            "Pospíšil", "Juhász",
        ],
        family_female: &[
            "Horváthová", "Kováčová", "Tóthová", "Nagyová", "Balážová", "Molnárová", "Vargová",
            "Lukáčová", "Baloghová", "Poláková", "Nováková", "Kováčiková", "Králiková", "Szabóová",
            "Takáčová", "Kollárová", "Farkašová", "Krajčírová", "Pospíšilová", "Juhászová",
        ],
        service_number: "999999/9999",
    },
    Nation {
        code: "SVN",
        name: "Slovenia",
        given_male: &[
            "Luka", "Jakob", "Mark", "Filip", "Anže", "Jan", "Žan", "Nik", "Lovro", "Vid", "Janez",
            "Matjaž", "Marko", "Peter", "Andrej", "Tomaž", "Jože", "Franc", "Anton", "Ivan",
        ],
        given_female: &[
            "Zala", "Eva", "Lara", "Ema", "Sara", "Julija", "Mia", "Neža", "Ana", "Hana", "Marija",
            "Ana Marija", "Maja", "Nataša", "Mateja", "Irena", "Mojca", "Barbara", "Katarina",
            "Nina",
        ],
        family_male: SVN_FAMILY,
        family_female: SVN_FAMILY,
        service_number: "9999999999999",
    },
    Nation {
        code: "SWE",
        name: "Sweden",
        given_male: &[
            "William", "Liam", "Noah", "Elias", "Hugo", "Oliver", "Oscar", "Lucas", "Alexander",
            "Leo", "Erik", "Karl", "Gustav", "Johan", "Mattias", "Andreas", "Daniel", "Fredrik",
            "Henrik", "Niklas",
        ],
        given_female: &[
            "Alice", "Maja", "Elsa", "Ebba", "Wilma", "Olivia", "Agnes", "Emma", "Astrid", "Alma",
            "Sara", "Anna", "Karin", "Maria", "Helena", "Ingrid", "Linnéa", "Sofia", "Ida",
            "Johanna",
        ],
        family_male: SWE_FAMILY,
        family_female: SWE_FAMILY,
        service_number: "999999-9999",
    },
    Nation {
        code: "TUR",
        name: "Türkiye",
        given_male: &[
            "Yusuf", "Berat", "Mustafa", "Ahmet", "Mehmet", "Ali", "Emir", "Eymen", "Ömer", "Kerem",
            "İbrahim", "Hasan", "Hüseyin", "İsmail", "Osman", "Murat", "Süleyman", "Burak", "Emre",
            "Enes",
        ],
        given_female: &[
            "Zeynep", "Elif", "Defne", "Ebrar", "Hiranur", "Eylül", "Miraç", "Azra", "Ecrin",
            "Miray", "Ayşe", "Fatma", "Hatice", "Emine", "Zehra", "Merve", "Esra", "Yağmur",
            "Selin", "Büşra",
        ],
        family_male: TUR_FAMILY,
        family_female: TUR_FAMILY,
        service_number: "99999999999",
    },
    Nation {
        code: "USA",
        name: "United States",
        given_male: &[
            "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry",
            "Theodore", "John", "Robert", "Michael", "Daniel", "David", "Richard", "Joseph",
            "Thomas", "Charles", "Christopher",
        ],
        given_female: &[
            "Olivia", "Emma", "Charlotte", "Amelia", "Sophia", "Isabella", "Ava", "Mia", "Evelyn",
            "Luna", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan",
            "Jessica", "Sarah", "Karen",
        ],
        family_male: USA_FAMILY,
        family_female: USA_FAMILY,
        service_number: "9999999999",
    },
];

// Surname lists of languages whose family names do not change with gender; the nation
// uses the same list for `family_male` and `family_female`.

#[rustfmt::skip]
const ALB_FAMILY: &[&str] = &[
    "Hoxha", "Shehu", "Dervishi", "Bektashi", "Prifti", "Gjoni", "Kraja", "Topalli", "Krasniqi",
    "Çela", "Brahimi", "Daci", "Halili", "Gjika", "Lleshi", "Mati", "Noka", "Osmani", "Prendi",
    "Zeqiri",
];

#[rustfmt::skip]
const BEL_FAMILY: &[&str] = &[
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
    "De Smet", "Dubois", "Lambert", "Martin", "Simon", "Dupont", "Durant", "Lefèvre", "Leroy",
    "Lemaire", "Leclercq",
];

#[rustfmt::skip]
const CAN_FAMILY: &[&str] = &[
    "Smith", "Brown", "Tremblay", "Martin", "Roy", "Wilson", "Johnson", "Gagnon", "Lee", "Williams",
    "Taylor", "Côté", "Jones", "Bouchard", "White", "Gauthier", "Morin", "Miller", "Davis",
    "Fortin",
];

#[rustfmt::skip]
const DEU_FAMILY: &[&str] = &[
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann",
];

#[rustfmt::skip]
const DNK_FAMILY: &[&str] = &[
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen",
    "Christiansen", "Poulsen", "Johansen", "Knudsen", "Mortensen",
];

#[rustfmt::skip]
const ESP_FAMILY: &[&str] = &[
    "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez",
    "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez", "Muñoz",
    "Romero", "Alonso", "Gutiérrez",
];

#[rustfmt::skip]
const EST_FAMILY: &[&str] = &[
    "Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Luik", "Koppel", "Kaasik",
    "Saks", "Kuusk", "Raudsepp", "Oja", "Pärn", "Karu", "Vaher", "Teder", "Rand",
];

#[rustfmt::skip]
const FIN_FAMILY: &[&str] = &[
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
    "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
    "Heikkilä", "Kinnunen", "Salonen", "Turunen",
];

#[rustfmt::skip]
const FRA_FAMILY: &[&str] = &[
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard",
];

#[rustfmt::skip]
const GBR_FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
    "Clarke",
];

#[rustfmt::skip]
const HRV_FAMILY: &[&str] = &[
    "Horvat", "Kovačić", "Babić", "Marić", "Jurić", "Novak", "Kovačević", "Knežević", "Pavlović",
    "Matić", "Petrović", "Tomić", "Perić", "Kovač", "Blažević", "Božić", "Vuković", "Pavić",
    "Lovrić", "Radić",
];

#[rustfmt::skip]
const HUN_FAMILY: &[&str] = &[
    "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Németh", "Farkas",
    "Balogh", "Papp", "Takács", "Juhász", "Lakatos", "Mészáros", "Oláh", "Simon", "Rácz", "Fekete",
];

#[rustfmt::skip]
const ITA_FAMILY: &[&str] = &[
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
    "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
    "Lombardi", "Moretti",
];

#[rustfmt::skip]
const LUX_FAMILY: &[&str] = &[
    "Schmit", "Muller", "Weber", "Hoffmann", "Wagner", "Schneider", "Meyer", "Becker", "Klein",
    "Kieffer", "Schröder", "Simon", "Welter", "Wahl", "Wolff", "Braun", "Kremer", "Marx", "Schmitz",
    "Theis",
];

#[rustfmt::skip]
const MNE_FAMILY: &[&str] = &[
    "Popović", "Vukčević", "Đurović", "Marković", "Petrović", "Jovanović", "Vuković", "Perović",
    "Šćepanović", "Radović", "Vujović", "Đurišić", "Knežević", "Kovačević", "Nikolić", "Ivanović",
    "Božović", "Bulatović", "Pavićević", "Tomašević",
];

#[rustfmt::skip]
const NLD_FAMILY: &[&str] = &[
    "De Jong", "Jansen", "De Vries", "Van den Berg", "Van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "De Boer", "Mulder", "De Groot", "Bos", "Vos", "Peters", "Hendriks",
    "Van Leeuwen", "Dekker", "Brouwer",
];

#[rustfmt::skip]
const NOR_FAMILY: &[&str] = &[
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Jensen",
    "Kristiansen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Halvorsen",
];

#[rustfmt::skip]
const PRT_FAMILY: &[&str] = &[
    "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Jesus",
    "Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Alves", "Almeida", "Ribeiro",
    "Pinto", "Carvalho",
];

#[rustfmt::skip]
const ROU_FAMILY: &[&str] = &[
    "Popa", "Popescu", "Pop", "Radu", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei", "Ciobanu",
    "Ionescu", "Rusu", "Mihai", "Constantin", "Marin", "Crețu", "Dinu", "Tudor", "Dobre", "Diaconu",
];

#[rustfmt::skip]
const SVN_FAMILY: &[&str] = &[
    "Novak", "Horvat", "Kovačič", "Krajnc", "Zupančič", "Potočnik", "Kovač", "Mlakar", "Vidmar",
    "Golob", "Kos", "Bizjak", "Kolar", "Hribar", "Klemenčič", "Kastelic", "Jerman", "Breznik",
    "Žagar", "Papež",
];

#[rustfmt::skip]
const SWE_FAMILY: &[&str] = &[
    "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jakobsson", "Magnusson", "Olofsson", "Lindberg", "Lundberg",
];

#[rustfmt::skip]
const TUR_FAMILY: &[&str] = &[
    "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
    "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek",
];

#[rustfmt::skip]
const USA_FAMILY: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez",
    "Wilson", "Martinez", "Anderson", "Taylor", "Thomas", "Hernandez", "Moore", "Martin", "Jackson",
    "Thompson", "White",
];
