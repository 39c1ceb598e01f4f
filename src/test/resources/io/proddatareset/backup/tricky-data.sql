-- the cycle's second key can only be added once both tables hold their rows
INSERT INTO cycle_a VALUES (1, 10), (2, 20);
INSERT INTO cycle_b VALUES (10, 1), (20, 2);
ALTER TABLE cycle_a ADD CONSTRAINT cycle_a_b_fk FOREIGN KEY (b_id) REFERENCES cycle_b (id);
INSERT INTO pairs VALUES (1, 'one'), (2, 'two'), (3, E'th\tree');
INSERT INTO pair_refs (x, y) VALUES (1, 'one'), (2, 'two'), (3, E'th\tree'), (1, 'one');
INSERT INTO things (qty, price, feeling, tags, grid, doc, f8, f4, num, at, local_at, day, note, raw) VALUES
  (1, 2.5, 'happy', ARRAY['a,b', NULL, 'c"d', E'e\\f', ''], '{{1,2},{3,4}}',
   '{"k": "v\n\t", "n": null, "list": [1, "two", {"x": 3}]}', 'NaN', 'Infinity', 'NaN',
   'infinity', '-infinity', 'infinity', E'tab\there', '\x00ff10'::bytea),
  (2, 0.1, 'sad', '{}', NULL, '[]', '-Infinity', '-Infinity', '-0.000000001',
   '-infinity', 'infinity', '-infinity', E'line1\nline2\r\nline3', ''::bytea),
  (3, NULL, NULL, NULL, NULL, NULL, 0, -0, 1e100,
   '2024-02-29 23:59:59.999999+14', '1999-12-31 23:59:59', '0001-01-01 BC', E'back\\slash \\N \\. end', NULL),
  (4, 4, 'ok', ARRAY[E'\\.'], NULL, '"just a string"', 1.7976931348623157e308, 1.4e-45, NULL,
   NULL, NULL, NULL, E'\\.', NULL),
  (5, 5, 'ok', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, E'a\n\\.\nb', NULL),
  (6, 6, 'ok', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '\N', NULL),
  (7, 7, 'ok', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL),
  (8, 8, 'ok', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'héllo ☃ 𝄞 ''quoted''', NULL);
INSERT INTO things (id, qty, note) VALUES (100, 9, E'\\');
INSERT INTO nodes VALUES (1, NULL), (2, 1), (3, 2), (4, 1);
INSERT INTO event_kinds VALUES ('a'), (E'b\tc'), ('d'), ('unused');
INSERT INTO events (at, what) VALUES ('2024-03-01', 'a'), ('2025-06-01', E'b\tc'), ('2026-12-31', NULL), ('2024-12-31', 'd');
INSERT INTO event_refs VALUES (1, '2024-03-01', 'ref');
INSERT INTO uses_shared (v) VALUES ('x'), ('y');
INSERT INTO "Odd Schema"."Tab""le" ("select", "UPPER") VALUES ('from', 1), (NULL, NULL);
INSERT INTO "Odd Schema".child_of_odd VALUES (1, 1), (2, 2);
INSERT INTO no_columns DEFAULT VALUES;
INSERT INTO no_columns DEFAULT VALUES;

-- triggers that would break the restore if they fired; one disabled that must stay disabled
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'trigger % fired on %', TG_NAME, TG_TABLE_NAME;
END $$;
CREATE TRIGGER things_refuse BEFORE INSERT ON things FOR EACH ROW EXECUTE FUNCTION refuse();
CREATE TRIGGER things_disabled AFTER INSERT ON things FOR EACH ROW EXECUTE FUNCTION refuse();
ALTER TABLE things DISABLE TRIGGER things_disabled;
CREATE TRIGGER events_refuse AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse();
CREATE TRIGGER pairs_always BEFORE INSERT ON pairs FOR EACH ROW EXECUTE FUNCTION refuse();
ALTER TABLE pairs ENABLE ALWAYS TRIGGER pairs_always;
ANALYZE;
