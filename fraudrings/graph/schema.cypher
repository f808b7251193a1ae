// graph/schema.cypher — the truth about the database's constraints and indexes.
// Applied idempotently by `fraudrings db reset` / every ingest (IF NOT EXISTS);
// tests/integration/test_schema.py proves the live database matches this file.
// One statement per `;`. Names are stable: tests compare by name.

// ---- keys: one uniqueness constraint per keyed label ---------------------------------
CREATE CONSTRAINT person_key IF NOT EXISTS FOR (n:Person) REQUIRE n.psn_no IS UNIQUE;
CREATE CONSTRAINT institution_key IF NOT EXISTS FOR (n:Institution) REQUIRE n.fixmedins_code IS UNIQUE;
CREATE CONSTRAINT practitioner_key IF NOT EXISTS FOR (n:Practitioner) REQUIRE n.prac_code IS UNIQUE;
CREATE CONSTRAINT supplier_key IF NOT EXISTS FOR (n:Supplier) REQUIRE n.entp_code IS UNIQUE;
CREATE CONSTRAINT drug_key IF NOT EXISTS FOR (n:Drug) REQUIRE n.med_list_codg IS UNIQUE;
CREATE CONSTRAINT box_key IF NOT EXISTS FOR (n:Box) REQUIRE n.drug_trac_codg IS UNIQUE;
CREATE CONSTRAINT settlement_key IF NOT EXISTS FOR (n:Settlement) REQUIRE n.setl_id IS UNIQUE;
CREATE CONSTRAINT feeline_key IF NOT EXISTS FOR (n:FeeLine) REQUIRE n.feedetl_sn IS UNIQUE;
CREATE CONSTRAINT boxevent_key IF NOT EXISTS FOR (n:BoxEvent) REQUIRE n.event_id IS UNIQUE;
CREATE CONSTRAINT phone_key IF NOT EXISTS FOR (n:Phone) REQUIRE n.tel IS UNIQUE;
CREATE CONSTRAINT address_key IF NOT EXISTS FOR (n:Address) REQUIRE n.addr IS UNIQUE;
CREATE CONSTRAINT terminal_key IF NOT EXISTS FOR (n:Terminal) REQUIRE n.terminal_id IS UNIQUE;
CREATE CONSTRAINT lead_key IF NOT EXISTS FOR (n:Lead) REQUIRE n.lead_id IS UNIQUE;
CREATE CONSTRAINT leadchange_key IF NOT EXISTS FOR (n:LeadChange) REQUIRE n.change_id IS UNIQUE;
CREATE CONSTRAINT referral_key IF NOT EXISTS FOR (n:Referral) REQUIRE n.referral_id IS UNIQUE;
CREATE CONSTRAINT leadsgeneration_key IF NOT EXISTS FOR (n:LeadsGeneration) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT datageneration_key IF NOT EXISTS FOR (n:DataGeneration) REQUIRE n.name IS UNIQUE;

// ---- region scoping (every API query filters by a division-code prefix) --------------
CREATE INDEX person_region IF NOT EXISTS FOR (n:Person) ON (n.insu_admdvs);
CREATE INDEX institution_region IF NOT EXISTS FOR (n:Institution) ON (n.admdvs);
CREATE INDEX person_death IF NOT EXISTS FOR (n:Person) ON (n.death_date);

// ---- boxes: "every box sold twice" starts from the sale count --------------------------
CREATE INDEX box_sales IF NOT EXISTS FOR (n:Box) ON (n.n_sales);
CREATE INDEX box_purchases IF NOT EXISTS FOR (n:Box) ON (n.n_purchases);
CREATE INDEX boxevent_time IF NOT EXISTS FOR (n:BoxEvent) ON (n.event_time);
CREATE INDEX boxevent_setl IF NOT EXISTS FOR (n:BoxEvent) ON (n.setl_id);

// ---- settlements: time windows, co-admission, refunds ---------------------------------
CREATE INDEX settlement_time IF NOT EXISTS FOR (n:Settlement) ON (n.setl_time);
CREATE INDEX settlement_person IF NOT EXISTS FOR (n:Settlement) ON (n.psn_no);
CREATE INDEX inpatient_admission IF NOT EXISTS FOR (n:Inpatient) ON (n.fixmedins_code, n.begntime);
CREATE INDEX feeline_setl IF NOT EXISTS FOR (n:FeeLine) ON (n.setl_id);

// ---- leads ---------------------------------------------------------------------------
CREATE INDEX lead_typology IF NOT EXISTS FOR (n:Lead) ON (n.typology);
CREATE INDEX lead_score IF NOT EXISTS FOR (n:Lead) ON (n.score);
CREATE INDEX lead_region IF NOT EXISTS FOR (n:Lead) ON (n.region);
