# topembed - embedding-space health analyses for PostgreSQL
#
#   make demo            set up everything and print a health report
#                        (DATA=pairs.csv: your embeddings; KEEP=1: leave the
#                        cluster running and print how to connect)
#   make test            set up everything and run every test suite
#   make soak            a mixed workload for SOAK_MINUTES (default 10) minutes
#   make / make install  the usual PGXS build (PG_CONFIG=... to choose a server)

.DEFAULT_GOAL := all

EXTENSION   = topembed
EXTVERSION  = 0.3.0

PG_CONFIG  ?= pg_config
PKG_CONFIG ?= pkg-config
BLAS_PKGS   = openblas lapacke

CORE_SRCS   = $(sort $(wildcard src/core/*.c))
PG_SRCS     = $(sort $(wildcard src/pg/*.c))
MODULE_big  = topembed
OBJS        = $(CORE_SRCS:.c=.o) $(PG_SRCS:.c=.o)

# the install script of this version and every upgrade script to it
EXT_SQL     = sql/topembed--$(EXTVERSION).sql $(sort $(wildcard sql/topembed--*--*.sql))
# and the companion extension topembed_pgvector (pgvector/), served by the same library
EXT_SQL    += pgvector/topembed_pgvector.control pgvector/topembed_pgvector--$(EXTVERSION).sql $(sort $(wildcard pgvector/topembed_pgvector--*--*.sql))

# "make demo DATA=pairs.csv" names the demo's input; PGXS's own DATA (the
# files to install) must not be replaced by it
ifeq ($(origin DATA),command line)
DEMO_DATA  := $(DATA)
override DATA = $(EXT_SQL)
else
DATA        = $(EXT_SQL)
endif
DOCS        =

# pg_regress suites: sql/<name>.sql against expected/<name>.out
REGRESS     = setup inputs gap geometry synthetic parallel moments spectrum persistence clusters diagrams operations trust errors retrieval
REGRESS_OPTS = --inputdir=. --outputdir=build/regress

BLAS_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(BLAS_PKGS) 2>/dev/null)
BLAS_LIBS   = $(shell $(PKG_CONFIG) --libs $(BLAS_PKGS) 2>/dev/null)

# server headers as system headers: their own -Wextra warnings are not ours
PG_CPPFLAGS = -Iinclude -Isrc/core $(BLAS_CFLAGS) -isystem $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)
PG_CFLAGS   = -Wall -Wextra -std=gnu99
SHLIB_LINK  = $(BLAS_LIBS) -lm

EXTRA_CLEAN = build sql/topembed--$(EXTVERSION).sql.tmp regression.diffs regression.out results

# The two set-up commands work on a fresh machine, before the PostgreSQL
# development files exist, so they come before the PGXS include.
.PHONY: test demo unit bench soak

test:
	bash scripts/test.sh

demo:
	TE_KEEP="$(KEEP)" bash scripts/demo.sh $(if $(DEMO_DATA),"$(DEMO_DATA)")

bench:
	bash bench/run.sh $(BENCH)

soak:
	$(if $(SOAK_MINUTES),SOAK_MINUTES=$(SOAK_MINUTES)) bash scripts/soak.sh

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
else
all install installcheck:
	@echo "PostgreSQL server development files not found (PG_CONFIG=$(PG_CONFIG))." >&2
	@echo "Run 'make demo' or 'make test' to install them, or set PG_CONFIG." >&2
	@exit 1
endif

# pg_regress writes its results into build/regress, which a fresh checkout
# (or a Debian build running installcheck) does not have yet
installcheck: regress-outputdir
.PHONY: regress-outputdir
regress-outputdir:
	@mkdir -p build/regress

# ---- the numerical core on its own: unit tests and command-line tools ----
#
# They link the very objects the extension is built from (src/core/*.o,
# compiled once by PGXS's rule with the server's CFLAGS and PG_CFLAGS), so
# the tests exercise what ships.  "make unit" builds them; "make
# unit-valgrind" runs the core unit suite under valgrind's memcheck.

BUILD      ?= build

UNIT_CFLAGS = -O2 -g -Wall -Wextra -std=gnu99 -Iinclude -Isrc/core $(BLAS_CFLAGS)
CORE_OBJS   = $(CORE_SRCS:.c=.o)
UNIT_SRCS   = $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS   = $(patsubst test/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
TOOL_SRCS   = $(sort $(wildcard test/tools/*.c))
TOOL_BINS   = $(patsubst test/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

# the core's objects follow its headers, the face's follow both layers' (a
# struct that grows in a core header must never meet a stale face object)
$(CORE_OBJS): $(wildcard include/topembed/*.h src/core/*.h)
$(PG_SRCS:.c=.o): $(wildcard include/topembed/*.h src/core/*.h src/pg/*.h)

$(BUILD)/libtecore.a: $(CORE_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/unit/%: test/unit/%.c test/unit/unit.h $(BUILD)/libtecore.a
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Itest/unit -o $@ $< $(BUILD)/libtecore.a $(BLAS_LIBS) -lm -lpthread

$(BUILD)/tools/%: test/tools/%.c $(BUILD)/libtecore.a
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(BUILD)/libtecore.a $(BLAS_LIBS) -lm -lpthread

unit: $(UNIT_BINS) $(TOOL_BINS)

# memcheck: any invalid access or definitely/indirectly lost block fails;
# TE_UNIT_VALGRIND names the unit tests to run (default: all of them).
# make test runs each of them here with TE_UNIT_SLOW=50 (time bounds scaled
# for valgrind) and TE_UNIT_REDUCED=1 (smaller inputs, still above the
# core's block sizes; see test/unit/unit.h), about two minutes a suite;
# without TE_UNIT_REDUCED the full sizes take much longer (test_spectrum
# three to seven minutes, test_rips well over ten).
VALGRIND      ?= valgrind
VALGRIND_OPTS  = --quiet --error-exitcode=99 --leak-check=full \
                 --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
                 --track-origins=yes
TE_UNIT_VALGRIND ?= $(UNIT_BINS)

.PHONY: unit-valgrind
unit-valgrind: $(UNIT_BINS)
	@for t in $(TE_UNIT_VALGRIND); do \
		echo "# valgrind $$t"; \
		$(VALGRIND) $(VALGRIND_OPTS) $$t || exit $$?; \
	done
