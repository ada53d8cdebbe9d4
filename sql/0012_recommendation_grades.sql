-- 0012_recommendation_grades.sql: the recommendations as published.
--
-- 0002_catalogue.sql graded two of the five recommendations "kan" (treatment
-- foster care and individual CBT, 12–17) and gave the "bör inte"
-- recommendation (consequence programmes of the Scared Straight type) the age
-- band 12–17. The published sources say otherwise (data/recommendations.csv
-- and SOURCES.md in the project's reference data):
--   - Kunskapsguiden, "Rekommendationer om insatser till barn med hög risk för
--     fortsatt normbrytande beteende": "fem insatser som socialtjänsten bör
--     erbjuda … därutöver … en insats som socialtjänsten inte bör erbjuda";
--   - Socialstyrelsen's news of 8 November 2021 (five recommendations, for
--     6–11 and 12–17); a regional news page listing them; a trade article
--     quoting "Socialtjänsten bör erbjuda …" per recommendation and explaining
--     that "bör" is Socialstyrelsen's strong grade.
-- So all five are "bör", and the "bör inte" one holds for the whole target
-- group, 6–17: those sources state no narrower band for it. Its slug loses
-- the "-12-17" that no longer describes it (as in recommendations.csv).
--
-- The statements stay paraphrases written here. A migration has no API key,
-- so these corrections are not in the audit trail; this file is their record.

UPDATE recommendations
SET strength = 'bör',
    statement = 'Socialtjänsten bör erbjuda strukturerad individuell KBT-baserad beteende- och '
                'färdighetsträning till ungdomar i åldern 12–17 år med hög risk för fortsatt normbrytande beteende.'
WHERE slug = 'individuell-kbt-12-17';

UPDATE recommendations
SET strength = 'bör',
    statement = 'Socialtjänsten bör erbjuda placering i behandlingsfamilj enligt en strukturerad modell, '
                'som TFCO, som alternativ till institutionsvård för ungdomar i åldern 12–17 år med hög risk '
                'för fortsatt normbrytande beteende.'
WHERE slug = 'behandlingsfamilj-12-17';

UPDATE recommendations
SET slug = 'avskrackande-program',
    age_min = 6,
    age_max = 17,
    target_group = 'Barn och unga 6–17 år med hög risk för fortsatt normbrytande beteende',
    statement = 'Socialtjänsten bör inte erbjuda konsekvensprogram av Scared Straight-typ, som försöker '
                'avskräcka barn och unga från brott.'
WHERE slug = 'avskrackande-program-12-17';

-- Warn (without blocking the deployment) if the rows it corrects were not there:
-- a silent no-op would leave the wrong grades in place.
DO $$
BEGIN
    IF (SELECT count(*) FROM recommendations
        WHERE (slug IN ('individuell-kbt-12-17', 'behandlingsfamilj-12-17') AND strength = 'bör')
           OR (slug = 'avskrackande-program' AND strength = 'bör inte' AND age_min = 6 AND age_max = 17)) <> 3 THEN
        RAISE WARNING '0012: the recommendations to correct were not as 0002_catalogue.sql left them; check their grades';
    END IF;
END;
$$;
