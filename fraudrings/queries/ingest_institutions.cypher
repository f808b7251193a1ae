// Load institutions.csv rows: Institution nodes, refined as Hospital, Pharmacy or
// OnlinePlatform by fixmedins_type and online.
// params: $rows [{fixmedins_code, props, hospital, pharmacy, online}]
// mode: write
UNWIND $rows AS row
MERGE (i:Institution {fixmedins_code: row.fixmedins_code})
SET i += row.props, i.unregistered = false
REMOVE i:Unregistered
FOREACH (_ IN CASE WHEN row.hospital THEN [1] ELSE [] END | SET i:Hospital)
FOREACH (_ IN CASE WHEN row.pharmacy THEN [1] ELSE [] END | SET i:Pharmacy)
FOREACH (_ IN CASE WHEN row.online THEN [1] ELSE [] END | SET i:OnlinePlatform)
