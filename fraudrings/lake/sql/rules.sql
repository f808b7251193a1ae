-- The contract's rules as DuckDB macros: how a cell is read, when it is wrong, and the
-- reason and detail a quarantined row carries (the same words as the row validator,
-- fraudrings/ingest/validate.py). Applied per column by fraudrings/lake/contract.py.
-- Parameters: none (CREATE MACRO statements, run once per connection).
-- Reads a cell: fr_strip (Python's str.strip; empty = NULL), fr_num, fr_date, fr_datetime,
-- fr_items (a ;-separated list); fr_ok_* say whether a cell passes. Says what is wrong: fr_repr (Python's repr of a text),
-- fr_list_repr, fr_party_kind (Institution, Supplier or Person by code format).
-- (a cell that starts and ends with printable ASCII is taken as it is, without a trim)
CREATE OR REPLACE MACRO fr_ws() AS chr(32) || chr(9) || chr(10) || chr(13) || chr(11) || chr(12) || chr(28) || chr(29) || chr(30) || chr(31) || chr(133) || chr(160) || chr(5760) || chr(8192) || chr(8193) || chr(8194) || chr(8195) || chr(8196) || chr(8197) || chr(8198) || chr(8199) || chr(8200) || chr(8201) || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287) || chr(12288);

CREATE OR REPLACE MACRO fr_strip(s) AS
    CASE WHEN s = '' THEN NULL
         WHEN ord(s) BETWEEN 33 AND 126 AND ord(right(s, 1)) BETWEEN 33 AND 126 THEN s
         ELSE nullif(trim(s, fr_ws()), '') END;

CREATE OR REPLACE MACRO fr_escape(s) AS replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(s, '\', '\\'), chr(0), '\x00'), chr(1), '\x01'), chr(2), '\x02'), chr(3), '\x03'), chr(4), '\x04'), chr(5), '\x05'), chr(6), '\x06'), chr(7), '\x07'), chr(8), '\x08'), chr(9), '\t'), chr(10), '\n'), chr(11), '\x0b'), chr(12), '\x0c'), chr(13), '\r'), chr(14), '\x0e'), chr(15), '\x0f'), chr(16), '\x10'), chr(17), '\x11'), chr(18), '\x12'), chr(19), '\x13'), chr(20), '\x14'), chr(21), '\x15'), chr(22), '\x16'), chr(23), '\x17'), chr(24), '\x18'), chr(25), '\x19'), chr(26), '\x1a'), chr(27), '\x1b'), chr(28), '\x1c'), chr(29), '\x1d'), chr(30), '\x1e'), chr(31), '\x1f'), chr(127), '\x7f'), chr(128), '\x80'), chr(129), '\x81'), chr(130), '\x82'), chr(131), '\x83'), chr(132), '\x84'), chr(133), '\x85'), chr(134), '\x86'), chr(135), '\x87'), chr(136), '\x88'), chr(137), '\x89'), chr(138), '\x8a'), chr(139), '\x8b'), chr(140), '\x8c'), chr(141), '\x8d'), chr(142), '\x8e'), chr(143), '\x8f'), chr(144), '\x90'), chr(145), '\x91'), chr(146), '\x92'), chr(147), '\x93'), chr(148), '\x94'), chr(149), '\x95'), chr(150), '\x96'), chr(151), '\x97'), chr(152), '\x98'), chr(153), '\x99'), chr(154), '\x9a'), chr(155), '\x9b'), chr(156), '\x9c'), chr(157), '\x9d'), chr(158), '\x9e'), chr(159), '\x9f'), chr(160), '\xa0'), chr(173), '\xad'), chr(5760), '\u1680'), chr(8192), '\u2000'), chr(8193), '\u2001'), chr(8194), '\u2002'), chr(8195), '\u2003'), chr(8196), '\u2004'), chr(8197), '\u2005'), chr(8198), '\u2006'), chr(8199), '\u2007'), chr(8200), '\u2008'), chr(8201), '\u2009'), chr(8202), '\u200a'), chr(8232), '\u2028'), chr(8233), '\u2029'), chr(8239), '\u202f'), chr(8287), '\u205f'), chr(12288), '\u3000'), chr(65279), '\ufeff');

CREATE OR REPLACE MACRO fr_repr(s) AS
    CASE WHEN contains(s, '''') AND NOT contains(s, '"')
         THEN '"' || fr_escape(s) || '"'
         ELSE '''' || replace(fr_escape(s), '''', '\''') || ''''
    END;

CREATE OR REPLACE MACRO fr_list_repr(l) AS
    '[' || array_to_string(list_transform(l, lambda x: fr_repr(x)), ', ') || ']';

CREATE OR REPLACE MACRO fr_num(v) AS
    CASE WHEN isfinite(TRY_CAST(v AS DOUBLE)) THEN TRY_CAST(v AS DOUBLE) END;

CREATE OR REPLACE MACRO fr_date(v) AS
    CASE WHEN regexp_full_match(v, '\d{4}-\d{2}-\d{2}') AND NOT starts_with(v, '0000')
         THEN CAST(try_strptime(v, '%Y-%m-%d') AS DATE) END;

CREATE OR REPLACE MACRO fr_datetime(v) AS
    CASE WHEN regexp_full_match(v, '\d{4}-\d{2}-\d{2}') AND NOT starts_with(v, '0000')
         THEN try_strptime(v, '%Y-%m-%d')
         WHEN regexp_full_match(v, '\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}')
              AND NOT starts_with(v, '0000')
         THEN try_strptime(replace(v, 'T', ' '), '%Y-%m-%d %H:%M:%S') END;

CREATE OR REPLACE MACRO fr_items(v) AS
    list_filter(list_transform(string_split(v, ';'), lambda x: fr_strip(x)), lambda x: x IS NOT NULL);

-- A problem of a row: its reason and the parts of its detail, which fr_said joins (so a
-- statement spells Python's repr once, in fr_said, not once per column).
CREATE OR REPLACE MACRO fr_issue(reason, head, quoted, items, tail) AS
    {'reason': reason, 'head': head, 'quoted': quoted, 'items': items, 'tail': tail};

CREATE OR REPLACE MACRO fr_note(reason, head) AS
    fr_issue(reason, head, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR[]), '');

CREATE OR REPLACE MACRO fr_quoted(reason, head, quoted, tail) AS
    fr_issue(reason, head, quoted, CAST(NULL AS VARCHAR[]), tail);

CREATE OR REPLACE MACRO fr_said(p) AS
    {'reason': p.reason,
     'detail': p.head || coalesce(fr_repr(p.quoted), fr_list_repr(p.items), '') || p.tail};

-- whether a cell passes, from its stripped text v and its typed value t (cheap: run on
-- every row; the fr_check_* macros below say why a cell fails, run on failing rows only)
CREATE OR REPLACE MACRO fr_ok_pattern(v, pattern) AS v IS NULL OR regexp_full_match(v, pattern);

CREATE OR REPLACE MACRO fr_ok_region(v) AS v IS NULL OR regexp_full_match(v, '\p{Nd}{6}');

CREATE OR REPLACE MACRO fr_ok_enum(v, allowed) AS v IS NULL OR list_contains(allowed, v);

CREATE OR REPLACE MACRO fr_ok_typed(v, t) AS v IS NULL OR t IS NOT NULL;

CREATE OR REPLACE MACRO fr_ok_number(v, t, may_be_negative, rounding) AS
    v IS NULL OR (t IS NOT NULL AND (t >= 0 OR may_be_negative OR (rounding AND t >= -0.01)));

CREATE OR REPLACE MACRO fr_ok_flags(t, allowed) AS t IS NULL OR list_has_all(allowed, t);

CREATE OR REPLACE MACRO fr_ok_codes(t, pattern) AS
    t IS NULL OR coalesce(list_bool_and(list_transform(t, lambda x: regexp_full_match(x, pattern))), true);

-- one macro per kind of check: NULL when the cell passes, else its problem (fr_issue)
CREATE OR REPLACE MACRO fr_check_missing(name, v, reason) AS
    CASE WHEN v IS NULL THEN fr_note(reason, name || ' is empty') END;

CREATE OR REPLACE MACRO fr_check_pattern(name, v, pattern, shown) AS
    CASE WHEN v IS NOT NULL AND NOT regexp_full_match(v, pattern)
         THEN fr_quoted('bad_code', name || '=', left(v, 120), ' does not match ' || shown) END;

CREATE OR REPLACE MACRO fr_check_region(name, v) AS
    CASE WHEN v IS NOT NULL AND NOT regexp_full_match(v, '\p{Nd}{6}')
         THEN fr_quoted('bad_code', name || '=', v, ' is not a 6-digit division code') END;

CREATE OR REPLACE MACRO fr_check_enum(name, v, allowed) AS
    CASE WHEN v IS NOT NULL AND NOT list_contains(allowed, v)
         THEN fr_quoted('bad_code', name || '=', left(v, 60),
                        ' is not one of ' || array_to_string(list_sort(allowed), ', ')) END;

CREATE OR REPLACE MACRO fr_check_date(name, v) AS
    CASE WHEN v IS NOT NULL AND fr_date(v) IS NULL
         THEN fr_quoted('bad_date', name || '=', left(v, 60), ' is not a YYYY-MM-DD date') END;

CREATE OR REPLACE MACRO fr_check_datetime(name, v) AS
    CASE WHEN v IS NOT NULL AND fr_datetime(v) IS NULL
         THEN fr_quoted('bad_date', name || '=', left(v, 60),
                        ' is not a YYYY-MM-DD HH:MM:SS time') END;

-- a number: not a number; negative where it may not be (outside a reversal, and not a
-- cent of rounding on a money column that allows one)
CREATE OR REPLACE MACRO fr_check_number(name, v, may_be_negative, rounding) AS
    CASE WHEN v IS NULL THEN NULL
         WHEN fr_num(v) IS NULL
         THEN fr_quoted('bad_number', name || '=', left(v, 60), ' is not a number')
         WHEN fr_num(v) < 0 AND NOT may_be_negative AND NOT (rounding AND fr_num(v) >= -0.01)
         THEN fr_note('negative_value', name || '=' || v || ' is negative') END;

-- a money cell a cent below zero where it may not be negative: kept, with a warning
CREATE OR REPLACE MACRO fr_rounding_cent(t, may_be_negative) AS
    coalesce(t < 0 AND t >= -0.01 AND NOT may_be_negative, false);

CREATE OR REPLACE MACRO fr_check_flags(name, v, allowed) AS
    CASE WHEN v IS NOT NULL
              AND len(list_filter(fr_items(v), lambda x: NOT list_contains(allowed, x))) > 0
         THEN fr_issue('bad_code', name || ' has unknown flags ', CAST(NULL AS VARCHAR),
              list_filter(fr_items(v), lambda x: NOT list_contains(allowed, x)), '') END;

CREATE OR REPLACE MACRO fr_check_codes(name, v, pattern) AS
    CASE WHEN v IS NOT NULL
              AND len(list_filter(fr_items(v), lambda x: NOT regexp_full_match(x, pattern))) > 0
         THEN fr_issue('bad_code', name || ' has malformed traceability codes ',
              CAST(NULL AS VARCHAR),
              list_filter(fr_items(v), lambda x: NOT regexp_full_match(x, pattern))[1:3], '') END;

-- who a code names, by its format (as ingest.loader.party_kind)
CREATE OR REPLACE MACRO fr_party_kind(c) AS
    CASE WHEN regexp_full_match(c, '[HP]\p{Nd}{11}') THEN 'Institution'
         WHEN regexp_full_match(c, '[0-9A-HJ-NPQRTUWXY]{18}') AND NOT regexp_full_match(c, '[0-9]+')
         THEN 'Supplier'
         ELSE 'Person' END;

-- which parties each movement of a box may have
CREATE OR REPLACE MACRO fr_may_give(event_type, kind) AS list_contains(CASE event_type
    WHEN 'purchase' THEN ['Supplier'] WHEN 'sale' THEN ['Institution']
    WHEN 'return' THEN ['Person'] WHEN 'supplier_return' THEN ['Institution']
    WHEN 'transfer' THEN ['Institution'] WHEN 'recall' THEN ['Institution', 'Supplier'] END, kind);

CREATE OR REPLACE MACRO fr_may_receive(event_type, kind) AS list_contains(CASE event_type
    WHEN 'purchase' THEN ['Institution'] WHEN 'sale' THEN ['Person']
    WHEN 'return' THEN ['Institution'] WHEN 'supplier_return' THEN ['Supplier']
    WHEN 'transfer' THEN ['Institution'] WHEN 'recall' THEN ['Supplier', 'Institution'] END, kind);
