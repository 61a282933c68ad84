PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE completions ( id INTEGER PRIMARY KEY, duty TEXT NOT NULL, post TEXT NOT NULL, person TEXT NOT NULL, period TEXT NOT NULL, done_by TEXT, done_on TEXT NOT NULL, note TEXT, evidence TEXT, source TEXT, recorded_at INTEGER NOT NULL, undone_at INTEGER);
INSERT INTO completions VALUES(1,'m','zz','','2026-07','a','2026-07-10','纪要,第"7"号','https://e.x/7','dutyctl',1796162362,NULL);
INSERT INTO completions VALUES(2,'m','zz','','2026-08','a','2026-09-03',NULL,NULL,'dutyctl',1796162362,NULL);
INSERT INTO completions VALUES(3,'x','bz','c','2026-Q3','c','2026-09-01',NULL,NULL,'dutyctl',1796162362,NULL);
INSERT INTO completions VALUES(4,'m','zz','','2026-09','a','2026-09-10',NULL,NULL,'dutyctl',1796162362,1796162362);
CREATE INDEX completions_by_assignment ON completions (duty, post, person, period);
COMMIT;
