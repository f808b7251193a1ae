// Load drugs.csv rows: catalogue entries (drugs, consumables, services).
// params: $rows [{med_list_codg, props}]
// mode: write
UNWIND $rows AS row
MERGE (d:Drug {med_list_codg: row.med_list_codg})
SET d += row.props, d.unregistered = false
REMOVE d:Unregistered
