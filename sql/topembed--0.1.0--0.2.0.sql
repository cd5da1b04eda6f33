-- topembed 0.1.0 -> 0.2.0
--
-- Every change to the SQL surface between the two releases, in the order of
-- the sections of topembed--0.2.0.sql.  The result must equal a fresh
-- CREATE EXTENSION topembed VERSION '0.2.0' (test/cluster/upgrade.sh
-- compares the two catalogues).
\echo Use "ALTER EXTENSION topembed UPDATE TO '0.2.0'" to load this file. \quit
