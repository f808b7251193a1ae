// Load suppliers.csv rows: Supplier nodes (wholesalers, manufacturers, logistics).
// params: $rows [{entp_code, props}]
// mode: write
UNWIND $rows AS row
MERGE (s:Supplier {entp_code: row.entp_code})
SET s += row.props, s.unregistered = false
REMOVE s:Unregistered
