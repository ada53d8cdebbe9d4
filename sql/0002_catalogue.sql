-- 0002_catalogue.sql: the catalogue content for Socialstyrelsen's knowledge
-- support "Insatser för att motverka fortsatt normbrytande beteende och återfall
-- i brott" (2021): the knowledge support itself, its six intervention types and
-- recommendations (age bands 6–11 and 12–17), the 12 example methods, the five
-- standardised assessment instruments, the four parts of the implementation
-- support on Kunskapsguiden, and the pilot's follow-up survey of 2022/23 with
-- its 16 results.
--
-- Sources (all Swedish; every text below is written here, not copied):
--   seeds/001  Partnerskapets samverkanspilot, slutrapport (Socialstyrelsen, SKR,
--              RSS, 2024): main source; survey figures, method availability,
--              method presenters in 2023, participation (65 municipalities incl.
--              12 city districts, 14 counties). Seed 000 (FoU Socialtjänst,
--              2024) says 63 municipalities; the slutrapport's figure is used.
--   seeds/002  FoU Socialtjänst 2023: target group, children 6–17 at high risk.
--   seeds/003  Socialstyrelsen: the implementation support on Kunskapsguiden.
--   seeds/004  Socialstyrelsen 2014: SAVRY and ESTER.
--   data/intervention_types.csv, methods.csv, assessment_instruments.csv,
--   pilot_survey.csv (see data/SOURCES.md). The methods' and instruments' age
--   ranges, durations and purveyors/publishers are general public knowledge and
--   approximate (SOURCES.md); verify before presenting them as authoritative.
--   The recommendation strengths follow the project's brief.
-- No URLs are stored: none has been verified.
--
-- Plain INSERTs only; the migrator runs this file in one transaction.

-- ---------------------------------------------------------------------------
-- Knowledge support
-- ---------------------------------------------------------------------------

INSERT INTO knowledge_supports
    (slug, title, publisher, published_year, target_group, age_min, age_max, model, description, url)
VALUES
    ('normbrytande-beteende-2021',
     'Insatser för att motverka fortsatt normbrytande beteende och återfall i brott',
     'Socialstyrelsen',
     2021,
     'Barn och unga 6–17 år med hög risk för fortsatt normbrytande beteende',
     6, 17,
     'RBM (risk, behov, mottaglighet)',
     'Socialstyrelsens kunskapsstöd till socialtjänsten om vilka insatser som bör ges till barn '
     'i åldern 6–17 år som löper hög risk att fortsätta med normbrytande beteende eller att återfalla '
     'i brott. Rekommendationerna skiljer mellan åldersgrupperna 6–11 och 12–17 år och vilar på '
     'RBM-modellen: insatsens intensitet anpassas efter barnets risknivå, insatsen riktas mot de '
     'behov som driver beteendet och utformas så att barnet och familjen kan ta till sig den. '
     'För varje rekommenderad insatstyp nämns exempel på metoder. Normbrytande beteende omfattar '
     'både brott och allvarliga regel- eller normbrott som inte är lagöverträdelser, till exempel '
     'skolk, snatteri och klotter eller slagsmål och hot.',
     NULL);

-- ---------------------------------------------------------------------------
-- Intervention types
-- ---------------------------------------------------------------------------

INSERT INTO intervention_types (slug, name_sv, name_en, description) VALUES
    ('foraldraskapsstod',
     'Beteendebaserade föräldraskapsstödprogram',
     'Behaviour-based parent training programmes',
     'Program med fast struktur där föräldrar, ofta i grupp, övar på att förstärka ett positivt '
     'samspel med barnet och att bemöta problembeteenden på ett konsekvent och förutsägbart sätt.'),
    ('kbt-fardighetstraning',
     'Multimodala KBT-baserade färdighetsträningsprogram',
     'Multimodal CBT-based skills training programmes',
     'Program där barnet med kognitiva och beteendeinriktade tekniker tränar sociala färdigheter '
     'och problemlösning. Oftast ingår också en del för föräldrarna, därav multimodal.'),
    ('familjebehandling',
     'Strukturerad familjebehandling',
     'Structured family therapy',
     'Manualbaserad familjebehandling som arbetar med familjen som system, och ofta även med skola '
     'och kamrater, för att minska den unges problembeteende.'),
    ('individuell-kbt',
     'Strukturerad individuell KBT-baserad beteende- och färdighetsträning',
     'Structured individual CBT-based behaviour and skills training',
     'Individuell behandling med kognitiv beteendeterapi som riktar sig mot den unges egna '
     'riskfaktorer, till exempel impulsivitet, aggressivitet och kriminalitetsbejakande tankemönster.'),
    ('behandlingsfamilj',
     'Behandlingsfamilj som alternativ till institutionsplacering',
     'Treatment foster care as an alternative to institutional placement',
     'Placering i ett särskilt utbildat familjehem som får tät handledning och arbetar efter ett '
     'strukturerat behandlingsprogram, i stället för placering på institution.'),
    ('avskrackande-program',
     'Avskräckande program av Scared Straight-typ',
     'Deterrence programmes of the Scared Straight type',
     'Program som försöker skrämma unga bort från brott, till exempel genom studiebesök på '
     'anstalt eller möten med intagna som skildrar fängelselivet. Kunskapsstödet avråder från '
     'sådana program eftersom de inte minskar, och kan till och med öka, risken för fortsatt brottslighet.');

-- ---------------------------------------------------------------------------
-- Recommendations (age bands 6–11 and 12–17)
-- ---------------------------------------------------------------------------

INSERT INTO recommendations
    (slug, knowledge_support_id, intervention_type_id, target_group, age_min, age_max, strength, statement, rank)
VALUES
    ('foraldraskapsstod-6-11',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     (SELECT id FROM intervention_types WHERE slug = 'foraldraskapsstod'),
     'Föräldrar till barn 6–11 år med hög risk för fortsatt normbrytande beteende',
     6, 11, 'bör',
     'Socialtjänsten bör erbjuda beteendebaserade föräldraskapsstödprogram till föräldrar vars barn '
     'är 6–11 år och har hög risk för fortsatt normbrytande beteende.',
     1),
    ('kbt-fardighetstraning-6-11',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     (SELECT id FROM intervention_types WHERE slug = 'kbt-fardighetstraning'),
     'Barn 6–11 år med hög risk för fortsatt normbrytande beteende',
     6, 11, 'bör',
     'Socialtjänsten bör erbjuda multimodala KBT-baserade färdighetsträningsprogram till barn i '
     'åldern 6–11 år med hög risk för fortsatt normbrytande beteende.',
     2),
    ('familjebehandling-12-17',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     (SELECT id FROM intervention_types WHERE slug = 'familjebehandling'),
     'Ungdomar 12–17 år med hög risk för fortsatt normbrytande beteende och deras familjer',
     12, 17, 'bör',
     'Socialtjänsten bör erbjuda strukturerad familjebehandling till ungdomar i åldern 12–17 år '
     'med hög risk för fortsatt normbrytande beteende.',
     3),
    ('individuell-kbt-12-17',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     (SELECT id FROM intervention_types WHERE slug = 'individuell-kbt'),
     'Ungdomar 12–17 år med hög risk för fortsatt normbrytande beteende',
     12, 17, 'kan',
     'Socialtjänsten kan erbjuda strukturerad individuell KBT-baserad beteende- och '
     'färdighetsträning till ungdomar i åldern 12–17 år med hög risk för fortsatt normbrytande beteende.',
     4),
    ('behandlingsfamilj-12-17',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     (SELECT id FROM intervention_types WHERE slug = 'behandlingsfamilj'),
     'Ungdomar 12–17 år med hög risk för fortsatt normbrytande beteende som behöver placeras utanför hemmet',
     12, 17, 'kan',
     'Socialtjänsten kan placera ungdomar i åldern 12–17 år med hög risk för fortsatt normbrytande '
     'beteende i en behandlingsfamilj i stället för på institution.',
     5),
    ('avskrackande-program-12-17',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     (SELECT id FROM intervention_types WHERE slug = 'avskrackande-program'),
     'Ungdomar 12–17 år med hög risk för fortsatt normbrytande beteende',
     12, 17, 'bör inte',
     'Socialtjänsten bör inte erbjuda avskräckande program av Scared Straight-typ till ungdomar i '
     'åldern 12–17 år med hög risk för fortsatt normbrytande beteende.',
     6);

-- ---------------------------------------------------------------------------
-- Methods: the 12 examples named in the recommendations
-- ---------------------------------------------------------------------------

INSERT INTO methods
    (slug, abbreviation, name_sv, name_en, intervention_type_id, age_min, age_max, format,
     typical_duration, purveyor, availability, availability_note, swedish_presenter_2023, description)
VALUES
    ('fft', 'FFT', 'Funktionell familjeterapi', 'Functional Family Therapy',
     (SELECT id FROM intervention_types WHERE slug = 'familjebehandling'),
     11, 18, 'familj',
     '3–6 månader, cirka 12–30 sessioner',
     'FFT LLC (USA); certifiering i Sverige genom Stiftelsen FFT Sverige',
     'tillgänglig',
     'Används i Sverige; 41 procent av pilotens kommuner uppgav att de använt FFT 2022/23, mest av alla namngivna familjebehandlingar.',
     true,
     'Strukturerad familjebehandling i faser: först byggs familjens motivation upp, sedan förändras '
     'samspelsmönstren i familjen och till sist förs förändringarna över till familjens omgivning.'),
    ('mst', 'MST', 'Multisystemisk terapi', 'Multisystemic Therapy',
     (SELECT id FROM intervention_types WHERE slug = 'familjebehandling'),
     12, 17, 'familj (i hemmet)',
     '3–5 månader, intensivt, med jour dygnet runt',
     'MST Services (USA)',
     'tillgänglig',
     'Används i Sverige; 14 procent av pilotens kommuner uppgav att de använt MST 2022/23.',
     true,
     'Intensiv familjebehandling som bedrivs i hemmet och samtidigt tar itu med den unges familj, '
     'skola, kamrater och närmiljö. Terapeuten är nåbar dygnet runt under behandlingen.'),
    ('bsft', 'BSFT', 'Kort strategisk familjeterapi', 'Brief Strategic Family Therapy',
     (SELECT id FROM intervention_types WHERE slug = 'familjebehandling'),
     12, 18, 'familj',
     'cirka 12–16 sessioner under 3–4 månader',
     'University of Miami (BSFT Institute)',
     'tillgänglig',
     'Hade en svensk metodföreträdare 2023; få eller inga av pilotens kommuner uppgav användning.',
     true,
     'Kortvarig familjebehandling med strukturell och strategisk inriktning som förändrar de '
     'samspelsmönster i familjen som ligger bakom den unges problem.'),
    ('mdft', 'MDFT', 'Multidimensionell familjeterapi', 'Multidimensional Family Therapy',
     (SELECT id FROM intervention_types WHERE slug = 'familjebehandling'),
     11, 18, 'familj och individ',
     '4–6 månader',
     'MDFT International (Nederländerna)',
     'tillgänglig',
     'Har en svensk metodföreträdare, som var sjuk vid presentationen hösten 2023; få eller inga av pilotens kommuner uppgav användning.',
     true,
     'Familjebehandling som parallellt arbetar med den unge, föräldrarna, familjen som helhet och '
     'system runt familjen. Metoden togs fram för unga med både beteendeproblem och missbruk.'),
    ('tfco', 'TFCO', 'Behandlingsfamilj enligt TFCO', 'Treatment Foster Care Oregon',
     (SELECT id FROM intervention_types WHERE slug = 'behandlingsfamilj'),
     12, 17, 'behandlingsfamilj',
     '6–9 månader',
     'TFCO Inc. (USA)',
     'tillgänglig',
     'Används i Sverige (16 procent av pilotens kommuner), men det finns få behandlingsfamiljer att tillgå trots att insatsen efterfrågas.',
     true,
     'Den unge placeras i en utbildad behandlingsfamilj som följer ett strukturerat beteendeprogram. '
     'Ett team stöttar både den unge, behandlingsfamiljen och den biologiska familjen inför hemflytten.'),
    ('komet', 'KOMET', 'KOMET – kommunikationsmetod', 'KOMET (communication method)',
     (SELECT id FROM intervention_types WHERE slug = 'foraldraskapsstod'),
     3, 18, 'föräldragrupp eller individuellt',
     'cirka 10–11 träffar',
     'Stockholms stad',
     'tillgänglig',
     'Svenskt program som är spritt i landet; 34 procent av pilotens kommuner uppgav att de använt KOMET 2022/23.',
     true,
     'Svenskt föräldraskapsstödprogram för föräldrar till barn med beteendeproblem, med olika '
     'versioner för yngre barn och för tonåringar. Föräldrarna övar på att förstärka önskat beteende '
     'och minska konflikterna hemma.'),
    ('cope', 'COPE', 'COPE – föräldraskapsstöd i grupp', 'Community Parent Education',
     (SELECT id FROM intervention_types WHERE slug = 'foraldraskapsstod'),
     3, 12, 'stor föräldragrupp',
     'cirka 10 träffar',
     'McMaster University (Kanada)',
     'tillgänglig',
     'Hade en svensk metodföreträdare 2023; få av pilotens kommuner uppgav användning.',
     true,
     'Föräldraskapsstöd i stora grupper där föräldrarna utifrån filmade vardagssituationer själva '
     'diskuterar fram lösningar på vanliga problem i samspelet med barnet.'),
    ('triple-p', 'Triple P', 'Triple P', 'Positive Parenting Program',
     (SELECT id FROM intervention_types WHERE slug = 'foraldraskapsstod'),
     0, 16, 'individ-, grupp- och befolkningsnivå',
     'varierar med nivå',
     'Triple P International (University of Queensland)',
     'ej tillgänglig',
     'Saknade svensk metodföreträdare 2023; ingen av pilotens kommuner uppgav användning.',
     false,
     'Föräldraskapsprogram i flera nivåer, från kort information till intensivt individuellt stöd, '
     'som bygger på social inlärningsteori.'),
    ('de-otroliga-aren', 'De otroliga åren', 'De otroliga åren', 'The Incredible Years',
     (SELECT id FROM intervention_types WHERE slug = 'foraldraskapsstod'),
     2, 12, 'föräldragrupp',
     'cirka 12–20 träffar, en gång i veckan',
     'The Incredible Years Inc. (USA)',
     'ej tillgänglig',
     'Saknade svensk metodföreträdare 2023; få av pilotens kommuner uppgav användning.',
     false,
     'Föräldragrupper där filmade exempel används för att stärka lek, beröm, gränssättning och '
     'problemlösning i vardagen med barnet.'),
    ('coping-power', 'Coping Power', 'Coping Power Program', 'Coping Power Program',
     (SELECT id FROM intervention_types WHERE slug = 'kbt-fardighetstraning'),
     8, 14, 'barngrupp och föräldragrupp',
     'cirka 15–18 månader (barn- och föräldraträffar)',
     'University of Alabama (USA); svensk forskningspilot vid Karolinska institutet sedan 2023',
     'forskningspilot',
     'Har inte funnits i Sverige de senaste åren; sedan 2023 prövas och utvärderas programmet i svensk socialtjänst i ett pilotprojekt vid Karolinska institutet.',
     false,
     'KBT-baserat gruppprogram för barn med aggressivt beteende där barnen tränar ilskekontroll, '
     'social problemlösning och att sätta mål, medan föräldrarna träffas i en parallell grupp.'),
    ('dina', 'Dina', 'Dina-programmet', 'Incredible Years Dinosaur School',
     (SELECT id FROM intervention_types WHERE slug = 'kbt-fardighetstraning'),
     4, 8, 'barngrupp',
     'cirka 18–22 träffar',
     'The Incredible Years Inc. (USA)',
     'ej tillgänglig',
     'Har inte funnits i Sverige de senaste åren och saknade svensk metodföreträdare 2023.',
     false,
     'Gruppprogram för barn ur samma programfamilj som De otroliga åren, där barnen övar sociala '
     'färdigheter, att hantera känslor och att lösa problem.'),
    ('snap', 'SNAP', 'Stop Now And Plan', 'Stop Now And Plan',
     (SELECT id FROM intervention_types WHERE slug = 'kbt-fardighetstraning'),
     6, 11, 'barngrupp och föräldragrupp',
     'cirka 12–13 träffar, en gång i veckan',
     'Child Development Institute (Toronto)',
     'planerad',
     'Har inte funnits i Sverige de senaste åren; en privat aktör har långt gångna planer på att snart erbjuda SNAP.',
     true,
     'Kognitivt beteendeinriktat program där barnen lär sig att stanna upp, lugna sig och planera '
     'innan de handlar, medan föräldrarna deltar i en parallell grupp.');

-- ---------------------------------------------------------------------------
-- Standardised assessment instruments
-- ---------------------------------------------------------------------------

INSERT INTO assessment_instruments
    (slug, abbreviation, name, other_names, assesses, age_min, age_max, publisher, description)
VALUES
    ('savry', 'SAVRY', 'Structured Assessment of Violence Risk in Youth', '{}',
     'risk för återfall i våldsbrott',
     12, 18, 'Borum, Bartel & Forth (PAR)',
     'Strukturerad professionell bedömning av risk- och skyddsfaktorer för våld hos ungdomar. '
     'Socialstyrelsen rekommenderade 2012 instrumentet för bedömningar inom sociala insatsgrupper, '
     'där det främst kom att användas för att välja behandlingsinsatser.'),
    ('earl', 'EARL', 'Early Assessment Risk List', ARRAY['EARL-20B', 'EARL-21G'],
     'risk för fortsatt antisocialt beteende hos barn',
     6, 12, 'Child Development Institute (Toronto)',
     'Checklista för strukturerad professionell bedömning av barn under 12 år med beteendeproblem. '
     'Det finns en version för pojkar (EARL-20B) och en för flickor (EARL-21G).'),
    ('ester', 'ESTER', 'ESTER-bedömning (Evidensbaserad strukturerad bedömning av risk- och skyddsfaktorer)', '{}',
     'risk- och skyddsfaktorer för normbrytande beteende',
     0, 18, 'Örebro universitet (Andershed & Andershed)',
     'Svenskt bedömningsstöd som kartlägger risk- och skyddsfaktorer hos barn och unga som har '
     'eller riskerar att utveckla normbrytande beteende, och som hjälper till att planera och följa '
     'upp insatser.'),
    ('erasor', 'ERASOR', 'Estimate of Risk of Adolescent Sexual Offense Recidivism', ARRAY['Erador'],
     'risk för återfall i sexualbrott',
     12, 18, 'Worling & Curwen',
     'Strukturerad professionell bedömning av ungdomars risk att på kort sikt återfalla i sexualbrott. '
     'Samverkanspilotens slutrapport kallar instrumentet Erador.'),
    ('yls-cmi', 'YLS/CMI', 'Youth Level of Service/Case Management Inventory', '{}',
     'risk och behov när det gäller återfall i brott generellt',
     12, 17, 'Hoge & Andrews (MHS)',
     'Aktuariellt instrument som bedömer risk och behov inom åtta områden och knyter bedömningen '
     'till planeringen av insatser i enlighet med RBM-modellen.');

-- ---------------------------------------------------------------------------
-- Materials: the implementation support on Kunskapsguiden (four parts)
-- ---------------------------------------------------------------------------

INSERT INTO materials
    (slug, knowledge_support_id, title, kinds, audience, publisher, description, url)
VALUES
    ('film-presentation-kunskapsstodet',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     'Filmad presentation av kunskapsstödet med stöd för workshop',
     ARRAY['film', 'workshopstöd']::material_kind[],
     'Socialsekreterare och behandlare inom öppenvården samt närmaste chefer, samordnare och '
     'verksamhetsutvecklare inom den sociala barn- och ungdomsvården',
     'Socialstyrelsen',
     'Inspelad genomgång av kunskapsstödets innehåll tillsammans med ett underlag för att leda en '
     'efterföljande workshop om vad verksamheten redan gör och vad den behöver utveckla. Bygger på '
     'introduktionen som hölls i varje deltagande län under samverkanspiloten 2023.',
     NULL),
    ('film-rbm',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     'Filmad föreläsning om risk, behov och mottaglighet (RBM) med stöd för workshop',
     ARRAY['film', 'workshopstöd']::material_kind[],
     'Socialsekreterare och behandlare inom öppenvården samt närmaste chefer, samordnare och '
     'verksamhetsutvecklare inom den sociala barn- och ungdomsvården',
     'Socialstyrelsen',
     'Föreläsning om RBM-modellen, som kunskapsstödet vilar på, och hur den kan användas i '
     'socialtjänstens arbete med barn och unga, med ett underlag för en uppföljande workshop om '
     'vad som behöver utvecklas lokalt. Bygger på föreläsningarna under samverkanspiloten 2023.',
     NULL),
    ('film-avtalssamverkan',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     'Filmad föreläsning om avtalssamverkan',
     ARRAY['film', 'föreläsning']::material_kind[],
     'Socialsekreterare och behandlare inom öppenvården samt närmaste chefer, samordnare och '
     'verksamhetsutvecklare inom den sociala barn- och ungdomsvården',
     'Socialstyrelsen',
     'Föreläsning om vad avtalssamverkan mellan kommuner innebär, vilka förutsättningar som krävs '
     'och hur samverkan kan göra de rekommenderade insatserna mer tillgängliga. Bygger på SKR:s '
     'introduktion till avtalssamverkan under samverkanspiloten 2023.',
     NULL),
    ('information-exempelmetoder',
     (SELECT id FROM knowledge_supports WHERE slug = 'normbrytande-beteende-2021'),
     'Information om metoderna som ges som exempel i kunskapsstödets rekommendationer',
     ARRAY['information']::material_kind[],
     'Socialsekreterare och behandlare inom öppenvården samt närmaste chefer, samordnare och '
     'verksamhetsutvecklare inom den sociala barn- och ungdomsvården',
     'Socialstyrelsen',
     'Samlad information om exempelmetoderna, till exempel vad de innebär och hur en kommun kan gå '
     'till väga för att börja använda dem. Bygger på metodföreträdarnas presentationer under '
     'samverkanspiloten 2023.',
     NULL);

-- ---------------------------------------------------------------------------
-- Survey: the pilot's follow-up of 2022/23
-- ---------------------------------------------------------------------------

INSERT INTO surveys
    (slug, title, period, published_year, source, municipalities, city_districts, counties, description)
VALUES
    ('samverkanspilot-2022-2023',
     'Samverkanspilotens uppföljning av insatser och bedömningsmetoder för barn med normbrytande beteende',
     '2022/23',
     2024,
     'Partnerskapets samverkanspilot: Stöd för implementering av kunskapsstödet Insatser för att '
     'motverka fortsatt normbrytande beteende och återfall i brott. Slutrapport (Socialstyrelsen, '
     'SKR och RSS, 2024).',
     65, 12, 14,
     'Socialstyrelsen, SKR och RSS följde upp samverkanspiloten med enkäter till de lokala '
     'kontaktpersonerna i de deltagande kommunerna (65 kommuner, varav 12 stadsdelsförvaltningar, '
     'i 14 län). Kommunerna fick ange vilka öppenvårdsinsatser och standardiserade '
     'bedömningsmetoder de använt 2022/23 för barn 6–17 år med normbrytande beteende eller '
     'kriminalitet. Resultaten gäller pilotens kommuner och kan inte generaliseras till hela landet. '
     'Att en kommun använt en metod betyder inte att den finns i den egna verksamheten, eftersom den '
     'kan ha köpts in, och säger inget om hur ofta eller för hur många barn den använts.');

-- ---------------------------------------------------------------------------
-- Survey results: share of the pilot's municipalities that used each item
-- ---------------------------------------------------------------------------

INSERT INTO survey_results
    (survey_id, subject, percent_of_municipalities, method_id, intervention_type_id, assessment_instrument_id, note)
VALUES
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'stödsamtal till ungdomar', 93, NULL, NULL, NULL,
     'Den vanligaste öppenvårdsinsatsen bland pilotens kommuner.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'stödsamtal till föräldrar', 91, NULL, NULL, NULL,
     NULL),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'FFT', 41, (SELECT id FROM methods WHERE slug = 'fft'), NULL, NULL,
     'Den mest använda namngivna metoden för strukturerad familjebehandling.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'KOMET', 34, (SELECT id FROM methods WHERE slug = 'komet'), NULL, NULL,
     'Det mest använda namngivna föräldraskapsstödprogrammet.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'individuell KBT', 29, NULL, (SELECT id FROM intervention_types WHERE slug = 'individuell-kbt'), NULL,
     'Avser KBT för målgruppen i allmänhet, inte någon namngiven metod.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'TFCO', 16, (SELECT id FROM methods WHERE slug = 'tfco'), NULL, NULL,
     'Efterfrågad insats, men det finns få behandlingsfamiljer att tillgå.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'MST', 14, (SELECT id FROM methods WHERE slug = 'mst'), NULL, NULL,
     NULL),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'Triple P', 0, (SELECT id FROM methods WHERE slug = 'triple-p'), NULL, NULL,
     NULL),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'Coping Power', 0, (SELECT id FROM methods WHERE slug = 'coping-power'), NULL, NULL,
     'Metoden har inte funnits att tillgå i Sverige under de senaste åren.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'Dina', 0, (SELECT id FROM methods WHERE slug = 'dina'), NULL, NULL,
     'Metoden har inte funnits att tillgå i Sverige under de senaste åren.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'SNAP', 0, (SELECT id FROM methods WHERE slug = 'snap'), NULL, NULL,
     'Metoden har inte funnits att tillgå i Sverige under de senaste åren.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'ERASOR', 29, NULL, NULL, (SELECT id FROM assessment_instruments WHERE slug = 'erasor'),
     'Slutrapporten skriver Erador. Andelen är hög för en ovanlig målgrupp och kan behöva undersökas vidare.'),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'SAVRY', 21, NULL, NULL, (SELECT id FROM assessment_instruments WHERE slug = 'savry'),
     NULL),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'EARL', 14, NULL, NULL, (SELECT id FROM assessment_instruments WHERE slug = 'earl'),
     NULL),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'ESTER', 11, NULL, NULL, (SELECT id FROM assessment_instruments WHERE slug = 'ester'),
     NULL),
    ((SELECT id FROM surveys WHERE slug = 'samverkanspilot-2022-2023'),
     'YLS/CMI', 0, NULL, NULL, (SELECT id FROM assessment_instruments WHERE slug = 'yls-cmi'),
     NULL);
