-- topembed_pgvector 0.2.0 -> 0.3.0: the overloads added since 0.2.0, in the
-- order of topembed_pgvector--0.3.0.sql.  The result must equal a fresh
-- CREATE EXTENSION topembed_pgvector VERSION '0.3.0'.
\echo Use "ALTER EXTENSION topembed_pgvector UPDATE TO '0.3.0'" to load this file. \quit
