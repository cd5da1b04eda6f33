/*
 * test_svg.c - unit tests of the SVG plots and their toolkit
 *
 * Every document is checked by a small XML well-formedness checker (tags
 * balanced, attributes quoted, only the five predefined entities and
 * numeric references, valid UTF-8, no control characters), so the test does
 * not need xmllint; test/check/svg_core.sh runs xmllint and a browser on top.
 *
 * The locale test wants a locale whose decimal point is a comma.  It tries
 * $TE_TEST_LOCALE, then a few usual names; svg_core.sh builds one with
 * localedef and passes it through LOCPATH.  Without one it is skipped.
 */
#include "topembed/svg.h"
#include "unit.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

/* ---- a counting allocator that can fail ---- */

typedef struct Counter
{
	long		calls;			/* allocations asked for */
	long		fail_after;		/* refuse once calls exceeds this; < 0 never */
	long		live;			/* blocks not yet released */
	long		checks;			/* interrupt checks seen */
	long		cancel_after;	/* cancel once checks exceeds this; < 0 never */
} Counter;

/* allocate, or refuse once the budget is spent */
static void *
counting_alloc(void *ctx, size_t size)
{
	Counter    *c = ctx;
	void	   *p;

	c->calls++;
	if (c->fail_after >= 0 && c->calls > c->fail_after)
		return NULL;
	p = malloc(size);
	if (p)
		c->live++;
	return p;
}

/* release and count */
static void
counting_release(void *ctx, void *ptr)
{
	Counter    *c = ctx;

	c->live--;
	free(ptr);
}

/* the interrupt check: cancel after cancel_after checks */
static int
counting_check(void *ctx)
{
	Counter    *c = ctx;

	c->checks++;
	return c->cancel_after >= 0 && c->checks > c->cancel_after;
}

/* an environment on a fresh counter */
static void
env_counting(TeEnv *env, Counter *c, long fail_after, long cancel_after)
{
	memset(c, 0, sizeof(*c));
	c->fail_after = fail_after;
	c->cancel_after = cancel_after;
	memset(env, 0, sizeof(*env));
	env->alloc = counting_alloc;
	env->release = counting_release;
	env->check = counting_check;
	env->ctx = c;
}

/* ---- a small XML well-formedness checker ---- */

/* length of a valid UTF-8 character that is an XML Char at s, or 0 */
static int
xml_char(const unsigned char *s)
{
	unsigned	cp;
	int			len,
				i;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') ? 1 : 0;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;				/* overlong or too large */
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
		return 0;
	return len;
}

/* is there a valid reference at s ("&amp;" etc.)? its length, or 0 */
static int
xml_ref(const char *s)
{
	static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
	int			i;

	for (i = 0; i < 5; i++)
		if (strncmp(s, ents[i], strlen(ents[i])) == 0)
			return (int) strlen(ents[i]);
	if (s[1] == '#')
	{
		i = 2;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i > 2 && s[i] == ';')
			return i + 1;
	}
	return 0;
}

/* text (character data or attribute value) from s up to a stop byte; 0 on error */
static const char *
xml_text(const char *s, char stop)
{
	while (*s && *s != stop)
	{
		int			n;

		if (*s == '<' || (*s == '>' && stop != '<'))
			return NULL;
		if (*s == '&')
		{
			if ((n = xml_ref(s)) == 0)
				return NULL;
			s += n;
			continue;
		}
		if ((n = xml_char((const unsigned char *) s)) == 0)
			return NULL;
		s += n;
	}
	return s;
}

/* well-formed as an XML document with one root element, and why not */
static int
xml_ok(const char *doc, const char **why)
{
	char		stack[64][32];
	int			depth = 0,
				roots = 0;
	const char *s = doc;

	*why = "ok";
	if (doc == NULL)
		return (*why = "NULL document", 0);
	while (*s)
	{
		if (*s != '<')
		{
			const char *e = xml_text(s, '<');

			if (e == NULL)
				return (*why = "bad character data", 0);
			if (depth == 0)
				for (const char *p = s; p < e; p++)
					if (*p != ' ' && *p != '\n')
						return (*why = "text outside the root", 0);
			s = e;
			continue;
		}
		if (s[1] == '/')
		{
			size_t		n = strcspn(s + 2, ">");

			if (depth == 0 || n != strlen(stack[depth - 1]) ||
				strncmp(s + 2, stack[depth - 1], n) != 0)
				return (*why = "mismatched end tag", 0);
			depth--;
			s += 2 + n + 1;
			continue;
		}
		/* start tag: name, attributes name="value", then > or /> */
		{
			size_t		n;

			s++;
			n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
			if (n == 0 || n >= 32)
				return (*why = "bad element name", 0);
			if (depth == 0 && roots++)
				return (*why = "two root elements", 0);
			if (depth >= 64)
				return (*why = "too deep", 0);
			memcpy(stack[depth], s, n);
			stack[depth][n] = '\0';
			s += n;
			for (;;)
			{
				while (*s == ' ' || *s == '\n')
					s++;
				if (*s == '>')
				{
					depth++;
					s++;
					break;
				}
				if (s[0] == '/' && s[1] == '>')
				{
					s += 2;
					break;
				}
				n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
				if (n == 0 || s[n] != '=' || s[n + 1] != '"')
					return (*why = "bad attribute", 0);
				s = xml_text(s + n + 2, '"');
				if (s == NULL || *s != '"')
					return (*why = "bad attribute value", 0);
				s++;
			}
		}
	}
	if (depth != 0)
		return (*why = "unclosed element", 0);
	if (roots != 1)
		return (*why = "no root element", 0);
	return 1;
}

/* number of occurrences of needle in hay */
static long
count_of(const char *hay, const char *needle)
{
	long		n = 0;
	size_t		len = strlen(needle);

	while ((hay = strstr(hay, needle)) != NULL)
	{
		n++;
		hay += len;
	}
	return n;
}

/* a document passes the common checks: starts with <svg, well-formed, sized, no scripts */
static int
doc_ok(const char *doc, const char *what)
{
	const char *why = "";
	int			ok = 1,
				well;

	ok &= unit_ok(doc != NULL && strncmp(doc, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0,
				  "%s: starts with <svg xmlns=...>", what);
	if (doc == NULL)
		return 0;
	well = xml_ok(doc, &why);
	ok &= unit_ok(well, "%s: well-formed XML (%s)", what, why);
	ok &= unit_ok(strstr(doc, "viewBox=\"0 0 ") != NULL && strstr(doc, " width=\"") != NULL &&
				  strstr(doc, " height=\"") != NULL, "%s: has width, height and viewBox", what);
	ok &= unit_ok(strstr(doc, "<script") == NULL && strstr(doc, "href") == NULL,
				  "%s: no script and no external reference", what);
	return ok;
}

/* ---- inputs ---- */

static uint64_t rng_state = 42;

/* a uniform double in [0, 1) */
static double
rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double) (rng_state >> 11) / 9007199254740992.0;
}

/* a Rips-like diagram: n0 H0 pairs (one essential), n1 H1, n2 H2 */
static TePersPair *
make_diagram(int64_t n0, int64_t n1, int64_t n2, int64_t *n)
{
	TePersPair *p = malloc(sizeof(TePersPair) * (size_t) (n0 + n1 + n2 + 1));
	int64_t		i,
				k = 0;

	for (i = 0; i < n0; i++, k++)
	{
		p[k].dim = 0;
		p[k].birth = 0.0;
		p[k].death = i == 0 ? INFINITY : 0.05 + 0.5 * rnd();
	}
	for (i = 0; i < n1; i++, k++)
	{
		double		b = 0.3 + rnd();

		p[k].dim = 1;
		p[k].birth = b;
		p[k].death = b + 0.2 * rnd() * rnd();
	}
	for (i = 0; i < n2; i++, k++)
	{
		double		b = 0.8 + rnd();

		p[k].dim = 2;
		p[k].birth = b;
		p[k].death = b + 0.1 * rnd();
	}
	*n = k;
	return p;
}

/* ---- tests ---- */

/* the checker itself rejects what it should */
static void
test_checker(void)
{
	static const char *const bad[] = {
		"<a><b></a>", "<a x=\"<\"/>", "<a>&foo;</a>", "<a>\x01</a>", "<a>\xff</a>",
		"<a/><b/>", "<a x=1/>", "<a>x", "text<a/>", "<a>\xed\xa0\x80</a>", "<a>a < b</a>",
	};
	const char *why;
	size_t		i;
	int			rejected = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		rejected &= !xml_ok(bad[i], &why);
	unit_ok(rejected, "the XML checker rejects %zu malformed samples", sizeof(bad) / sizeof(bad[0]));
	unit_ok(xml_ok("<a x=\"1 &amp; 2\">t&lt;&#39;<b/>\xc3\xa9</a>\n", &why), "the XML checker accepts a good one");
}

/* locale-free formatting of numbers */
static void
test_format(void)
{
	char		b[TE_NUMBUF];

	te_format_fixed(b, 12.345, 1);
	unit_ok(strcmp(b, "12.3") == 0, "fixed 12.345 to 1 decimal is 12.3 (%s)", b);
	te_format_fixed(b, -0.04, 1);
	unit_ok(strcmp(b, "0") == 0, "fixed -0.04 to 1 decimal is 0 (%s)", b);
	te_format_fixed(b, -3.25, 2);
	unit_ok(strcmp(b, "-3.25") == 0, "fixed -3.25 (%s)", b);
	te_format_fixed(b, 120.0, 2);
	unit_ok(strcmp(b, "120") == 0, "fixed 120.00 drops the zeros (%s)", b);
	te_format_fixed(b, NAN, 1);
	unit_ok(strcmp(b, "0") == 0, "fixed NaN is 0 (%s)", b);
	te_format_num(b, 0.1 + 0.2, 4);
	unit_ok(strcmp(b, "0.3") == 0, "num 0.1+0.2 is 0.3 (%s)", b);
	te_format_num(b, 104.6123, 4);
	unit_ok(strcmp(b, "104.6") == 0, "num 104.6123 (%s)", b);
	te_format_num(b, 99999.9, 3);
	unit_ok(strcmp(b, "100000") == 0, "num 99999.9 to 3 digits (%s)", b);
	te_format_num(b, 1.5e-7, 4);
	unit_ok(strcmp(b, "1.5e-7") == 0, "num 1.5e-7 (%s)", b);
	te_format_num(b, -2.5e300, 4);
	unit_ok(strcmp(b, "-2.5e300") == 0, "num -2.5e300 (%s)", b);
	te_format_num(b, 4.9e-324, 3);
	unit_ok(strncmp(b, "4.9", 3) == 0 && strstr(b, "e-324") != NULL, "num of the smallest subnormal (%s)", b);
	te_format_num(b, 0.00012, 4);
	unit_ok(strcmp(b, "0.00012") == 0, "num 0.00012 (%s)", b);
	te_format_scaled(b, 15, -1, 0, 0);
	unit_ok(strcmp(b, "1.5") == 0, "scaled 15e-1 (%s)", b);
	te_format_scaled(b, -25, -3, 0, 1);
	unit_ok(strcmp(b, "\xE2\x88\x92" "0.025") == 0, "scaled -25e-3 with U+2212 (%s)", b);
	te_format_scaled(b, 120, 5, 1, 0);
	unit_ok(strcmp(b, "1.2e7") == 0, "scaled 120e5 in sci (%s)", b);
	te_format_int(b, INT64_MIN);
	unit_ok(strcmp(b, "-9223372036854775808") == 0, "int64 min (%s)", b);
}

/* escaping of hostile and broken text */
static void
test_escape(void)
{
	TeEnv		env;
	TeText		t;
	char	   *s = NULL;
	const char *why;

	te_env_init_malloc(&env);
	te_text_init(&t, &env);
	te_text_escape(&t, "<script>&\"'", 0);
	te_text_finish(&t, &s);
	unit_ok(s && strcmp(s, "&lt;script&gt;&amp;&quot;&#39;") == 0, "markup characters escaped (%s)", s);
	te_free(&env, s);

	te_text_init(&t, &env);
	te_text_escape(&t, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xf4\x90\x80\x80" "e\xe2\x82", 0);
	te_text_finish(&t, &s);
	unit_ok(s && strcmp(s, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
						"d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
						"e\xEF\xBF\xBD\xEF\xBF\xBD") == 0,
			"invalid UTF-8, overlongs, surrogates, > U+10FFFF and truncation become U+FFFD");
	te_free(&env, s);

	te_text_init(&t, &env);
	te_text_escape(&t, "x\x01y\tz\x7f\xc2\x85w\xef\xbf\xbe", 0);
	te_text_finish(&t, &s);
	unit_ok(s && strcmp(s, "x y z  w\xEF\xBF\xBD") == 0, "control characters become spaces, U+FFFE becomes U+FFFD (%s)", s);
	te_free(&env, s);

	te_text_init(&t, &env);
	te_text_escape(&t, "h\xc3\xa9llo w\xc3\xb6rld", 6);
	te_text_finish(&t, &s);
	unit_ok(s && strcmp(s, "h\xc3\xa9llo\xE2\x80\xA6") == 0, "long text cut on a character boundary with an ellipsis (%s)", s);
	te_free(&env, s);

	te_text_init(&t, &env);
	te_text_puts(&t, "<t>");
	te_text_escape(&t, "\xe2\x88\x9e \xce\xb2\xe2\x82\x81 \xf0\x9f\x98\x80 \xe6\xbc\xa2", 0);
	te_text_puts(&t, "</t>");
	te_text_finish(&t, &s);
	unit_ok(s && strstr(s, "\xf0\x9f\x98\x80") != NULL && xml_ok(s, &why),
			"valid multibyte characters pass unchanged");
	te_free(&env, s);

	te_text_init(&t, &env);
	te_text_finish(&t, &s);
	unit_ok(s && s[0] == '\0', "an empty text finishes as an empty string");
	te_free(&env, s);
}

/* nice axes */
static void
test_axes(void)
{
	TeAxis		a;

	te_axis_linear(&a, 0.0, 1.0, 5, 0);
	unit_ok(a.ntick == 6 && strcmp(a.tick[1].label, "0.2") == 0 && strcmp(a.tick[5].label, "1") == 0,
			"0..1 gives 0 0.2 .. 1 (%d ticks)", a.ntick);
	te_axis_linear(&a, 0.013, 0.87, 6, 0);
	unit_ok(a.lo <= 0.013 && a.hi >= 0.87 && strcmp(a.tick[1].label, "0.2") == 0,
			"0.013..0.87 widened to nice ends, step 0.2 (lo %g hi %g)", a.lo, a.hi);
	te_axis_linear(&a, 5.0, 5.0, 6, 0);
	unit_ok(a.lo < 5.0 && a.hi > 5.0 && a.ntick >= 2, "a single value gets a range around it (%g..%g)", a.lo, a.hi);
	te_axis_linear(&a, 0.0, 0.0, 6, 0);
	unit_ok(a.lo == 0.0 && a.hi == 1.0, "zero gets 0..1");
	te_axis_linear(&a, 1e300, 3e300, 5, 0);
	unit_ok(a.ntick >= 3 && strstr(a.tick[a.ntick - 1].label, "e300") != NULL,
			"1e300..3e300 has sci labels (%s)", a.tick[a.ntick - 1].label);
	te_axis_linear(&a, -1.7e308, 1.7e308, 5, 0);
	te_axis_place(&a, 0.0, 100.0);
	unit_ok(isfinite(te_axis_map(&a, 1.7e308)) && te_axis_map(&a, 0.0) > 40.0 &&
			te_axis_map(&a, 0.0) < 60.0, "the full double range maps without overflow");
	te_axis_linear(&a, 1e-310, 5e-310, 5, 0);
	te_axis_place(&a, 0.0, 100.0);
	unit_ok(te_axis_map(&a, 3e-310) > 10.0 && te_axis_map(&a, 3e-310) < 90.0,
			"a subnormal range maps (%g)", te_axis_map(&a, 3e-310));
	te_axis_linear(&a, 0.0, 3.0, 6, 1);
	unit_ok(a.ntick == 4 && strcmp(a.tick[3].label, "3") == 0, "integer axis 0..3 steps by 1");
	te_axis_log(&a, 1e-3, 20.0, 1, 0);
	unit_ok(a.lo == -3.0 && a.hi == 2.0 && strcmp(a.tick[0].label, "10") == 0 &&
			strcmp(a.tick[0].sup, "\xE2\x88\x92" "3") == 0, "log axis snaps to decades, labels 10^-3");
	te_axis_log(&a, 1.0, 16000.0, 0, 1);
	unit_ok(a.lo == 0.0 && fabs(a.hi - log10(16000.0)) < 1e-12, "log index axis 1..16000");
}

/* titles: NULL gives a default, "" none, hostile text is escaped */
static void
test_titles(void)
{
	TeEnv		env;
	char	   *s = NULL;
	TePersPair	p = {1, 0.5, 1.2};

	te_env_init_malloc(&env);
	te_svg_diagram(&env, &p, 1, NULL, &s);
	unit_ok(s && strstr(s, "<title>Persistence diagram</title>") != NULL, "NULL title gives the default");
	te_free(&env, s);
	te_svg_diagram(&env, &p, 1, "", &s);
	unit_ok(s && strstr(s, "<title>") == NULL && doc_ok(s, "empty title"), "empty title gives none");
	te_free(&env, s);
	te_svg_diagram(&env, &p, 1, "<script>alert(1)</script>&\"'", &s);
	doc_ok(s, "hostile title");
	unit_ok(s && strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;") != NULL,
			"hostile title appears escaped");
	te_free(&env, s);
	te_svg_barcode(&env, &p, 1, "bad \xff\xfe utf8 \xc3", &s);
	doc_ok(s, "barcode with invalid UTF-8 title");
	te_free(&env, s);
	{
		char		longt[2000];

		memset(longt, 'W', sizeof(longt) - 1);
		longt[sizeof(longt) - 1] = '\0';
		te_svg_barcode(&env, &p, 1, longt, &s);
		unit_ok(doc_ok(s, "2000-character title") && strstr(s, "\xE2\x80\xA6</text>") != NULL,
				"a very long title is cut with an ellipsis");
		te_free(&env, s);
	}
}

/* the persistence diagram, normal and degenerate */
static void
test_diagram(void)
{
	TeEnv		env;
	char	   *s = NULL;
	int64_t		n;
	TePersPair *p;
	TeStatus	st;

	te_env_init_malloc(&env);
	p = make_diagram(100, 53, 7, &n);
	st = te_svg_diagram(&env, p, n, "torus", &s);
	unit_ok(st == TE_OK, "diagram of 160 pairs");
	doc_ok(s, "diagram");
	unit_ok(s && strstr(s, "H1 (53)") && strstr(s, "H0 (100)") && strstr(s, "H2 (7)"),
			"legend counts pairs per dimension");
	unit_ok(s && strstr(s, "1 essential") != NULL && strstr(s, ">\xE2\x88\x9E</text>") != NULL,
			"the essential class is counted and the \xE2\x88\x9E line labelled");
	unit_ok(s && strstr(s, ">birth</text>") && strstr(s, ">death</text>"), "axes are labelled");
	te_free(&env, s);
	free(p);

	st = te_svg_diagram(&env, NULL, 0, "empty", &s);
	unit_ok(st == TE_OK && doc_ok(s, "empty diagram") && strstr(s, "no pairs") != NULL,
			"empty diagram says no pairs");
	te_free(&env, s);

	{
		TePersPair	one = {0, 0.0, 0.0};
		TePersPair	same[50];
		TePersPair	inf[3] = {{0, 0.0, INFINITY}, {0, 0.2, INFINITY}, {1, 0.5, INFINITY}};
		TePersPair	tiny[3] = {{0, 0.0, 1e-300}, {1, 2e-300, 5e-300}, {1, 1e-310, INFINITY}};
		TePersPair	huge[3] = {{0, 0.0, 1e300}, {2, 1.7e308, 1.79e308}, {1, -1e300, INFINITY}};
		TePersPair	hi[2] = {{9, 0.1, 0.2}, {4, 0.1, 0.3}};
		int			i;

		for (i = 0; i < 50; i++)
			same[i] = (TePersPair) {1, 0.2, 0.5};
		unit_ok(te_svg_diagram(&env, &one, 1, "one", &s) == TE_OK && doc_ok(s, "single point at 0"),
				"single point (0, 0)");
		te_free(&env, s);
		unit_ok(te_svg_diagram(&env, same, 50, "same", &s) == TE_OK && doc_ok(s, "identical points") &&
				strstr(s, "H1 (50)") && count_of(s, "l4 6.9h-8z") == 2,
				"50 identical points: one stacked marker plus the legend's");
		te_free(&env, s);
		unit_ok(te_svg_diagram(&env, inf, 3, "inf", &s) == TE_OK && doc_ok(s, "only essential"),
				"only essential classes");
		te_free(&env, s);
		unit_ok(te_svg_diagram(&env, tiny, 3, "tiny", &s) == TE_OK && doc_ok(s, "tiny values"),
				"magnitudes near 1e-300");
		te_free(&env, s);
		unit_ok(te_svg_diagram(&env, huge, 3, "huge", &s) == TE_OK && doc_ok(s, "huge values") &&
				strstr(s, "NaN") == NULL && strstr(s, "inf\"") == NULL, "magnitudes near 1e308");
		te_free(&env, s);
		unit_ok(te_svg_diagram(&env, hi, 2, "H9", &s) == TE_OK && doc_ok(s, "H4 and H9") &&
				strstr(s, "H9 (1)"), "dimensions up to 9 are drawn");
		te_free(&env, s);
	}

	/* bad input */
	{
		TePersPair	bad[1] = {{1, NAN, 1.0}};

		unit_ok(te_svg_diagram(&env, bad, 1, NULL, &s) == TE_INVALID && s == NULL &&
				strstr(env.msg, "NaN") != NULL, "NaN birth is invalid (%s)", env.msg);
		bad[0] = (TePersPair) {1, 0.0, NAN};
		unit_ok(te_svg_diagram(&env, bad, 1, NULL, &s) == TE_INVALID, "NaN death is invalid");
		bad[0] = (TePersPair) {1, INFINITY, INFINITY};
		unit_ok(te_svg_diagram(&env, bad, 1, NULL, &s) == TE_INVALID, "infinite birth is invalid");
		bad[0] = (TePersPair) {1, 0.0, -INFINITY};
		unit_ok(te_svg_diagram(&env, bad, 1, NULL, &s) == TE_INVALID, "death -inf is invalid");
		bad[0] = (TePersPair) {10, 0.0, 1.0};
		unit_ok(te_svg_diagram(&env, bad, 1, NULL, &s) == TE_INVALID, "dimension 10 is invalid (%s)", env.msg);
		bad[0] = (TePersPair) {-1, 0.0, 1.0};
		unit_ok(te_svg_diagram(&env, bad, 1, NULL, &s) == TE_INVALID, "dimension -1 is invalid");
		unit_ok(te_svg_diagram(&env, bad, -1, NULL, &s) == TE_INVALID, "negative count is invalid");
		unit_ok(te_svg_diagram(&env, NULL, 3, NULL, &s) == TE_INVALID, "NULL pairs with n > 0 is invalid");
		unit_ok(te_svg_diagram(&env, bad, 0, NULL, NULL) == TE_INVALID, "NULL out is invalid");
	}

	/* 100k points stay within the marker cap and a couple of megabytes */
	p = make_diagram(60000, 35000, 5000, &n);
	st = te_svg_diagram(&env, p, n, "100k", &s);
	unit_ok(st == TE_OK && doc_ok(s, "100k diagram"), "diagram of 100000 pairs");
	if (s)
	{
		long		markers = count_of(s, "<circle") + count_of(s, "<path d=\"M");

		unit_ok(markers <= TE_SVG_MAX_MARKERS + 20, "at most the cap of markers (%ld)", markers);
		unit_ok(strlen(s) < 2500000, "document under 2.5 MB (%zu bytes)", strlen(s));
	}
	te_free(&env, s);
	for (int64_t i = 0; i < n; i++)
	{
		p[i].dim = 1;
		p[i].birth = rnd();
		p[i].death = p[i].birth + rnd();
	}
	st = te_svg_diagram(&env, p, n, "100k uniform", &s);
	if (s)
	{
		long		markers = count_of(s, "<path d=\"M");

		unit_ok(st == TE_OK && markers <= TE_SVG_MAX_MARKERS + 20 && strlen(s) < 2500000,
				"100000 spread-out points are binned under the cap (%ld markers, %zu bytes)",
				markers, strlen(s));
	}
	else
		unit_ok(0, "100000 spread-out points");
	te_free(&env, s);
	free(p);
}

/* the barcode, normal and degenerate */
static void
test_barcode(void)
{
	TeEnv		env;
	char	   *s = NULL;
	int64_t		n;
	TePersPair *p;

	te_env_init_malloc(&env);
	p = make_diagram(40, 20, 5, &n);
	unit_ok(te_svg_barcode(&env, p, n, "bars", &s) == TE_OK && doc_ok(s, "barcode"), "barcode of 65 bars");
	unit_ok(s && strstr(s, "showing") == NULL, "no cap note when everything is shown");
	unit_ok(s && strstr(s, ">filtration value</text>") != NULL, "x axis labelled");
	te_free(&env, s);
	free(p);

	p = make_diagram(5123, 300, 12, &n);
	unit_ok(te_svg_barcode(&env, p, n, "many bars", &s) == TE_OK && doc_ok(s, "5435 bars"), "barcode of 5435 bars");
	unit_ok(s && strstr(s, "showing the longest bars") && strstr(s, " of 5123") && strstr(s, " of 300") &&
			strstr(s, " of 12") == NULL, "the subtitle says which dimensions are cut: %.56s",
			s && strstr(s, "showing") ? strstr(s, "showing") : "");
	unit_ok(s && count_of(s, "M") < 2 * TE_SVG_MAX_BARS + 200, "at most the bar budget is drawn");
	te_free(&env, s);
	free(p);

	unit_ok(te_svg_barcode(&env, NULL, 0, NULL, &s) == TE_OK && doc_ok(s, "empty barcode") &&
			strstr(s, "no pairs"), "empty barcode says no pairs");
	te_free(&env, s);
	{
		TePersPair	inf[3] = {{0, 0.0, INFINITY}, {0, 0.3, INFINITY}, {1, 0.5, INFINITY}};
		TePersPair	one = {2, 1.0, 1.0};
		TePersPair	ext[2] = {{0, -1e300, 1e300}, {1, 1e-300, INFINITY}};

		unit_ok(te_svg_barcode(&env, inf, 3, "inf", &s) == TE_OK && doc_ok(s, "only infinite bars"),
				"only infinite bars");
		te_free(&env, s);
		unit_ok(te_svg_barcode(&env, &one, 1, "zero length", &s) == TE_OK && doc_ok(s, "one zero-length bar"),
				"a single bar of length 0");
		te_free(&env, s);
		unit_ok(te_svg_barcode(&env, ext, 2, "extremes", &s) == TE_OK && doc_ok(s, "extreme bars"),
				"bars spanning -1e300..1e300");
		te_free(&env, s);
	}
	{
		TePersPair	bad = {0, 0.0, NAN};

		unit_ok(te_svg_barcode(&env, &bad, 1, NULL, &s) == TE_INVALID && s == NULL, "NaN bar is invalid");
	}
}

/* eigenvalue spectra */
static void
test_spectrum(void)
{
	TeEnv		env;
	char	   *s = NULL;
	double		a[512],
				b[512],
				zeros[10] = {0},
				one[1] = {3.5},
				mix[4] = {1e-300, 5e-301, 0.0, -1e-310},
				huge[3] = {1e300, 5e299, 1e-300};
	double	   *big = malloc(sizeof(double) * 16000);
	TeSpectrumSeries sr[TE_SVG_MAX_SERIES + 1];
	int			i;

	te_env_init_malloc(&env);
	for (i = 0; i < 512; i++)
	{
		a[i] = pow(i + 1.0, -1.1);
		b[i] = exp(-(i + 1.0) / 40.0);
	}
	b[500] = 0.0;
	b[511] = -1e-17;
	for (i = 0; i < 16000; i++)
		big[i] = exp(-i / 2000.0);
	memset(sr, 0, sizeof(sr));
	sr[0] = (TeSpectrumSeries) {"CLIP image", a, 512, 77.6, 463};
	sr[1] = (TeSpectrumSeries) {"CLOOB <image> & \"text\"", b, 512, 108.7, 185};
	unit_ok(te_svg_spectrum(&env, sr, 2, "spectra", &s) == TE_OK && doc_ok(s, "spectrum"), "two spectra");
	unit_ok(s && strstr(s, "CLOOB &lt;image&gt; &amp; &quot;text&quot;") != NULL, "series labels escaped");
	unit_ok(s && strstr(s, ">463</text>") && strstr(s, ">77.6</text>"), "effective rank and dims_99 are shown");
	unit_ok(s && strstr(s, "2 eigenvalues are zero up to rounding") && strstr(s, ">\xE2\x89\x88" "0</text>") &&
			strstr(s, "10\xE2\x81\xBB") == NULL,
			"clipped values are counted in plain words and the zero line drawn");
	te_free(&env, s);

	for (i = 0; i < 9; i++)
		sr[i] = (TeSpectrumSeries) {NULL, a, 512 - 40 * i, 10.0 + i, 100 + i};
	unit_ok(te_svg_spectrum(&env, sr, 9, NULL, &s) == TE_OK && doc_ok(s, "nine spectra") &&
			strstr(s, "series 9") && strstr(s, "stroke-dasharray=\"7 3\""),
			"nine series: default labels, dashes after the palette");
	te_free(&env, s);

	sr[0] = (TeSpectrumSeries) {"zeros", zeros, 10, 0.0, 0};
	unit_ok(te_svg_spectrum(&env, sr, 1, "zeros", &s) == TE_OK && doc_ok(s, "all-zero spectrum") &&
			strstr(s, "no positive eigenvalues"), "all zero eigenvalues");
	te_free(&env, s);
	sr[0] = (TeSpectrumSeries) {"one", one, 1, 1.0, 1};
	unit_ok(te_svg_spectrum(&env, sr, 1, "one", &s) == TE_OK && doc_ok(s, "one eigenvalue"), "one eigenvalue");
	te_free(&env, s);
	sr[0] = (TeSpectrumSeries) {"big", big, 16000, 5000.0, 9000};
	unit_ok(te_svg_spectrum(&env, sr, 1, "16000", &s) == TE_OK, "16000 eigenvalues");
	unit_ok(doc_ok(s, "16000 eigenvalues") &&
			strstr(s, "principal component (log scale)") && strlen(s) < 60000,
			"16000 eigenvalues on a log index axis, thinned (%zu bytes)", s ? strlen(s) : 0);
	te_free(&env, s);
	sr[0] = (TeSpectrumSeries) {"tiny", mix, 4, 1.5, 2};
	sr[1] = (TeSpectrumSeries) {"huge", huge, 3, 1.2, 1};
	unit_ok(te_svg_spectrum(&env, sr, 1, "tiny", &s) == TE_OK && doc_ok(s, "1e-300 spectrum"), "magnitudes near 1e-300");
	te_free(&env, s);
	unit_ok(te_svg_spectrum(&env, sr, 2, "both", &s) == TE_OK && doc_ok(s, "1e-300 and 1e300 spectra"),
			"magnitudes 1e-300 and 1e300 together");
	te_free(&env, s);
	unit_ok(te_svg_spectrum(&env, NULL, 0, "none", &s) == TE_OK && doc_ok(s, "no series") &&
			strstr(s, "no series"), "no series at all");
	te_free(&env, s);
	sr[0] = (TeSpectrumSeries) {"empty", NULL, 0, 0.0, 0};
	unit_ok(te_svg_spectrum(&env, sr, 1, "empty", &s) == TE_OK && doc_ok(s, "empty series"), "an empty series");
	te_free(&env, s);
	sr[0] = (TeSpectrumSeries) {"over", a, 10, 50.0, 99};
	unit_ok(te_svg_spectrum(&env, sr, 1, "markers past n", &s) == TE_OK && doc_ok(s, "markers past n"),
			"effective rank and dims_99 beyond n are clamped");
	te_free(&env, s);

	a[3] = NAN;
	sr[0] = (TeSpectrumSeries) {"nan", a, 512, 1.0, 1};
	unit_ok(te_svg_spectrum(&env, sr, 1, NULL, &s) == TE_INVALID && s == NULL, "NaN eigenvalue is invalid (%s)", env.msg);
	a[3] = INFINITY;
	unit_ok(te_svg_spectrum(&env, sr, 1, NULL, &s) == TE_INVALID, "infinite eigenvalue is invalid");
	a[3] = 1.0;
	sr[0].effective_rank = NAN;
	unit_ok(te_svg_spectrum(&env, sr, 1, NULL, &s) == TE_INVALID, "NaN effective rank is invalid");
	unit_ok(te_svg_spectrum(&env, sr, TE_SVG_MAX_SERIES + 1, NULL, &s) == TE_INVALID, "too many series is invalid");
	sr[0] = (TeSpectrumSeries) {"neg", a, -1, 0.0, 0};
	unit_ok(te_svg_spectrum(&env, sr, 1, NULL, &s) == TE_INVALID, "negative n is invalid");
	free(big);
}

/* Betti curves */
static void
test_betti(void)
{
	TeEnv		env;
	char	   *s = NULL;
	double		x[400],
				y0[400],
				y1[400],
				one_x = 0.5,
				one_y = 3.0;
	TeCurveSeries cs[3];
	int			i;

	te_env_init_malloc(&env);
	for (i = 0; i < 400; i++)
	{
		x[i] = i * 0.01;
		y0[i] = floor(400.0 * exp(-i / 30.0)) + 1.0;
		y1[i] = floor(40.0 * exp(-pow((i - 150) / 40.0, 2.0)));
	}
	cs[0] = (TeCurveSeries) {"\xce\xb2" "0", x, y0, 400};
	cs[1] = (TeCurveSeries) {"\xce\xb2" "1 <CLIP>", x, y1, 400};
	unit_ok(te_svg_betti_curves(&env, cs, 2, "Betti", "radius", &s) == TE_OK && doc_ok(s, "Betti curves"),
			"two Betti curves");
	unit_ok(s && strstr(s, ">radius</text>") && strstr(s, "&lt;CLIP&gt;") && strstr(s, ">Betti number</text>"),
			"labels and legend present and escaped");
	te_free(&env, s);
	unit_ok(te_svg_betti_curves(&env, cs, 2, NULL, NULL, &s) == TE_OK && strstr(s, ">scale</text>") &&
			strstr(s, "<title>Betti curves</title>"), "default x label and title");
	te_free(&env, s);
	unit_ok(te_svg_betti_curves(&env, NULL, 0, NULL, NULL, &s) == TE_OK && doc_ok(s, "no curves") &&
			strstr(s, "no data"), "no curves at all");
	te_free(&env, s);
	cs[2] = (TeCurveSeries) {"one", &one_x, &one_y, 1};
	unit_ok(te_svg_betti_curves(&env, &cs[2], 1, "one", NULL, &s) == TE_OK && doc_ok(s, "one point"),
			"a curve of one point");
	te_free(&env, s);
	y1[7] = NAN;
	unit_ok(te_svg_betti_curves(&env, cs, 2, NULL, NULL, &s) == TE_INVALID && s == NULL, "NaN is invalid");
	y1[7] = 0.0;
	x[9] = INFINITY;
	unit_ok(te_svg_betti_curves(&env, cs, 2, NULL, NULL, &s) == TE_INVALID, "infinite scale is invalid");
}

/* the log-log chart: decades, styles, defaults and refusals */
static void
test_loglog(void)
{
	TeEnv		env;
	char	   *s = NULL;
	double		n[5] = {100, 500, 2000, 8000, 20000},
				t0[5] = {0.05, 0.2, 1.1, 6.0, 20.0},
				t1[5] = {0.3, 4.0, 31.0, 300.0, 1.0},
				bad;
	TeXYSeries	xy[TE_SVG_MAX_SERIES + 1];
	int			k;

	te_env_init_malloc(&env);
	memset(xy, 0, sizeof(xy));
	xy[0] = (TeXYSeries) {"topembed H1", n, t0, 5, 1, 1};
	xy[1] = (TeXYSeries) {"ripser <H1> & co", n, t1, 4, 2, 2};
	xy[2] = (TeXYSeries) {NULL, n, t0, 2, 0, 3};
	unit_ok(te_svg_loglog(&env, xy, 3, "time against n", "points n", "seconds", NULL, &s) == TE_OK &&
			doc_ok(s, "log-log chart"), "a log-log chart of three series");
	unit_ok(s && strstr(s, ">points n</text>") && strstr(s, ">seconds</text>") &&
			strstr(s, "ripser &lt;H1&gt; &amp; co") && strstr(s, ">series 3</text>") &&
			strstr(s, "<title>time against n</title>"), "labels, legend and title present and escaped");
	unit_ok(s && strstr(s, ">100</text>") && strstr(s, ">1000</text>") && strstr(s, ">10000</text>") &&
			strstr(s, ">100000</text>") && !strstr(s, ">20000</text>"),
			"x axis: the decades 100 to 100000, labelled in plain numbers");
	unit_ok(s && strstr(s, ">0.01</text>") && strstr(s, ">1000</text>") && strstr(s, ">1</text>"),
			"y axis: the decades 0.01 to 1000");
	/* five round markers and the legend's one; four squares and one; two triangles and one */
	unit_ok(s && count_of(s, "<circle") == 6 && count_of(s, "<rect x=") == 5 && count_of(s, "z\"/>") == 3,
			"one marker per point and per legend entry, shaped by style (%ld, %ld, %ld)",
			s ? count_of(s, "<circle") : 0L, s ? count_of(s, "<rect x=") : 0L, s ? count_of(s, "z\"/>") : 0L);
	unit_ok(s && strstr(s, "stroke=\"#0072B2\"") && strstr(s, "stroke=\"#D55E00\" stroke-width=\"2\" "
												   "stroke-linejoin=\"round\" stroke-dasharray=\"7 3\""),
			"colours and dashes as the series ask");
	te_free(&env, s);

	unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, &s) == TE_OK &&
			strstr(s, "<title>Log-log chart</title>") && strstr(s, ">x</text>") && strstr(s, ">y</text>"),
			"default title and axis labels");
	te_free(&env, s);
	unit_ok(te_svg_loglog(&env, NULL, 0, "", NULL, NULL, NULL, &s) == TE_OK && doc_ok(s, "empty log-log") &&
			strstr(s, "no data") && !strstr(s, "<title>"), "no series: an empty chart without a title");
	te_free(&env, s);
	xy[3] = (TeXYSeries) {"one", &n[2], &t0[2], 1, 0, 0};
	unit_ok(te_svg_loglog(&env, &xy[3], 1, "one", NULL, NULL, NULL, &s) == TE_OK && doc_ok(s, "one point") &&
			strstr(s, ">1000</text>"), "a series of one point gets a decade around it");
	te_free(&env, s);

	/* refusals */
	bad = t0[3];
	for (k = 0; k < 4; k++)
	{
		static const double vals[4] = {0.0, -1.0, NAN, INFINITY};

		t0[3] = vals[k];
		s = (char *) 1;
		unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, &s) == TE_INVALID && s == NULL,
				"a y of %g is refused (%s)", vals[k], env.msg);
	}
	t0[3] = bad;
	n[0] = 0.0;
	unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, &s) == TE_INVALID && strstr(env.msg, "x of point 1"),
			"an x of 0 is refused (%s)", env.msg);
	n[0] = 100.0;
	xy[0].n = -1;
	unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, &s) == TE_INVALID, "a negative count is refused");
	xy[0].n = 5;
	xy[0].color = 8;
	unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, &s) == TE_INVALID, "colour 8 is refused");
	xy[0].color = 1;
	xy[0].dash = 4;
	unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, &s) == TE_INVALID, "style 4 is refused");
	xy[0].dash = 1;
	xy[0].x = NULL;
	unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, &s) == TE_INVALID, "a missing x array is refused");
	xy[0].x = n;
	for (k = 0; k <= TE_SVG_MAX_SERIES; k++)
		xy[k] = xy[0];
	unit_ok(te_svg_loglog(&env, xy, TE_SVG_MAX_SERIES + 1, NULL, NULL, NULL, NULL, &s) == TE_INVALID,
			"more than %d series are refused", TE_SVG_MAX_SERIES);
	unit_ok(te_svg_loglog(&env, xy, TE_SVG_MAX_SERIES, NULL, NULL, NULL, NULL, &s) == TE_OK &&
			doc_ok(s, "16 series"), "%d series are drawn", TE_SVG_MAX_SERIES);
	te_free(&env, s);
	unit_ok(te_svg_loglog(&env, NULL, 2, NULL, NULL, NULL, NULL, &s) == TE_INVALID, "no series array is refused");
	unit_ok(te_svg_loglog(&env, xy, 1, NULL, NULL, NULL, NULL, NULL) == TE_INVALID, "no place for the document");
}

typedef TeStatus (*PlotFn) (TeEnv *env, void *arg, char **out);

static TePersPair *g_pairs;
static int64_t g_npairs;

/* the diagram under test */
static TeStatus
plot_diagram(TeEnv *env, void *arg, char **out)
{
	(void) arg;
	return te_svg_diagram(env, g_pairs, g_npairs, "alloc <test>", out);
}

/* the barcode under test */
static TeStatus
plot_barcode(TeEnv *env, void *arg, char **out)
{
	(void) arg;
	return te_svg_barcode(env, g_pairs, g_npairs, "alloc <test>", out);
}

/* the spectrum under test */
static TeStatus
plot_spectrum(TeEnv *env, void *arg, char **out)
{
	return te_svg_spectrum(env, arg, 2, "alloc", out);
}

/* the Betti curves under test */
static TeStatus
plot_betti(TeEnv *env, void *arg, char **out)
{
	return te_svg_betti_curves(env, arg, 1, "alloc", "r", out);
}

/* the log-log chart under test */
static TeStatus
plot_loglog(TeEnv *env, void *arg, char **out)
{
	return te_svg_loglog(env, arg, 2, "alloc <test>", "n", "s", NULL, out);
}

/* every allocation failure gives TE_NOMEM and leaks nothing; so does cancelling */
static void
run_failures(const char *what, PlotFn fn, void *arg)
{
	TeEnv		env;
	Counter		c;
	char	   *s;
	long		k,
				needed,
				checks;
	int			all_nomem = 1,
				no_leak = 1,
				all_null = 1;
	TeStatus	st;

	/* how many allocations and checks a successful run makes */
	env_counting(&env, &c, -1, -1);
	s = NULL;
	st = fn(&env, arg, &s);
	needed = c.calls;
	checks = c.checks;
	unit_ok(st == TE_OK && s != NULL, "%s: succeeds with a counting allocator (%ld allocations, %ld checks)",
			what, needed, checks);
	te_free(&env, s);
	unit_ok(c.live == 0, "%s: the document is the only block left to the caller", what);

	for (k = 0; k < needed; k++)
	{
		env_counting(&env, &c, k, -1);
		s = (char *) 1;
		st = fn(&env, arg, &s);
		all_nomem &= st == TE_NOMEM;
		all_null &= s == NULL;
		no_leak &= c.live == 0;
	}
	unit_ok(all_nomem, "%s: each of %ld failing allocations gives TE_NOMEM", what, needed);
	unit_ok(all_null, "%s: *out is NULL after a failure", what);
	unit_ok(no_leak, "%s: nothing leaks after an allocation failure", what);

	all_nomem = 1;
	no_leak = 1;
	for (k = 0; k < checks; k++)
	{
		env_counting(&env, &c, -1, k);
		s = (char *) 1;
		st = fn(&env, arg, &s);
		all_nomem &= st == TE_CANCELLED && s == NULL;
		no_leak &= c.live == 0;
	}
	unit_ok(checks == 0 || all_nomem, "%s: cancelling at each of %ld checks gives TE_CANCELLED", what, checks);
	unit_ok(no_leak, "%s: nothing leaks after cancelling", what);
}

/* allocation failure and cancellation in every plot */
static void
test_failures(void)
{
	double		a[300],
				b[300],
				x[300],
				y[300];
	TeSpectrumSeries sr[2];
	TeCurveSeries cs;
	TeXYSeries	xy[2];
	static double lx[9000],
				ly[9000];
	int			i;

	for (i = 0; i < 300; i++)
	{
		a[i] = pow(i + 1.0, -1.2);
		b[i] = i < 250 ? exp(-i / 30.0) : 0.0;
		x[i] = i * 0.01;
		y[i] = floor(50.0 * exp(-i / 50.0));
	}
	sr[0] = (TeSpectrumSeries) {"a", a, 300, 12.5, 200};
	sr[1] = (TeSpectrumSeries) {"b", b, 300, 30.0, 120};
	cs = (TeCurveSeries) {"b0", x, y, 300};
	for (i = 0; i < 9000; i++)
	{
		lx[i] = 10.0 + i;
		ly[i] = 0.001 * pow(lx[i], 1.5);
	}
	xy[0] = (TeXYSeries) {"long", lx, ly, 9000, 0, 0};
	xy[1] = (TeXYSeries) {"short", lx, ly, 50, 2, 3};
	g_pairs = make_diagram(9000, 900, 100, &g_npairs);
	run_failures("diagram", plot_diagram, NULL);
	run_failures("barcode", plot_barcode, NULL);
	run_failures("spectrum", plot_spectrum, sr);
	run_failures("betti curves", plot_betti, &cs);
	run_failures("log-log chart", plot_loglog, xy);
	free(g_pairs);
}

/* output does not depend on LC_NUMERIC */
static void
test_locale(void)
{
	static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE", "fr_FR"};
	const char *want = getenv("TE_TEST_LOCALE");
	const char *got = NULL;
	TeEnv		env;
	char	   *c_doc[3] = {NULL},
			   *l_doc[3] = {NULL};
	int64_t		n;
	TePersPair *p = make_diagram(50, 20, 5, &n);
	double		ev[100];
	TeSpectrumSeries sr = {"ev", ev, 100, 12.34, 56};
	size_t		i;
	char		probe[32];

	for (i = 0; i < 100; i++)
		ev[i] = exp(-0.1 * i);
	te_env_init_malloc(&env);
	te_svg_diagram(&env, p, n, "x", &c_doc[0]);
	te_svg_barcode(&env, p, n, "x", &c_doc[1]);
	te_svg_spectrum(&env, &sr, 1, "x", &c_doc[2]);

	if (want && setlocale(LC_NUMERIC, want))
		got = want;
	for (i = 0; !got && i < sizeof(names) / sizeof(names[0]); i++)
		if (setlocale(LC_NUMERIC, names[i]))
			got = names[i];
	snprintf(probe, sizeof(probe), "%.1f", 1.5);
	if (!got || strcmp(probe, "1,5") != 0)
	{
		printf("ok - # SKIP no locale with a decimal comma is installed\n");
		setlocale(LC_NUMERIC, "C");
	}
	else
	{
		te_svg_diagram(&env, p, n, "x", &l_doc[0]);
		te_svg_barcode(&env, p, n, "x", &l_doc[1]);
		te_svg_spectrum(&env, &sr, 1, "x", &l_doc[2]);
		setlocale(LC_NUMERIC, "C");
		unit_ok(c_doc[0] && l_doc[0] && strcmp(c_doc[0], l_doc[0]) == 0 &&
				c_doc[1] && l_doc[1] && strcmp(c_doc[1], l_doc[1]) == 0 &&
				c_doc[2] && l_doc[2] && strcmp(c_doc[2], l_doc[2]) == 0,
				"documents under LC_NUMERIC=%s (printf gives %s) equal those under C", got, probe);
	}
	for (i = 0; i < 3; i++)
	{
		te_free(&env, c_doc[i]);
		te_free(&env, l_doc[i]);
	}
	free(p);
}

/* the same input gives the same document */
static void
test_deterministic(void)
{
	TeEnv		env;
	char	   *s1 = NULL,
			   *s2 = NULL;
	int64_t		n;
	TePersPair *p = make_diagram(300, 100, 10, &n);

	te_env_init_malloc(&env);
	te_svg_diagram(&env, p, n, "d", &s1);
	te_svg_diagram(&env, p, n, "d", &s2);
	unit_ok(s1 && s2 && strcmp(s1, s2) == 0, "diagram output is deterministic");
	te_free(&env, s1);
	te_free(&env, s2);
	free(p);
}

/* the y tick labels ("10" with an exponent) of a spectrum document, concatenated */
static void
y_ticks(const char *doc, char *buf, size_t cap)
{
	const char *p = doc;

	buf[0] = '\0';
	while (p && (p = strstr(p, "text-anchor=\"end\">10<tspan")) != NULL)
	{
		const char *line = p;
		const char *end = strstr(p, "</text>");

		while (line > doc && line[-1] != '\n')
			line--;
		if (end == NULL || strlen(buf) + (size_t) (end - line) + 1 >= cap)
			break;
		strncat(buf, line, (size_t) (end - line));
		p = end;
	}
}

/* the options: the unit in the axis labels, a shared scale, the empty message, bad values */
static void
test_options(void)
{
	TeEnv		env;
	char	   *s = NULL,
			   *s2 = NULL;
	TeSvgOptions opt;
	TePersPair	p[3] = {{0, 0.0, 0.3}, {0, 0.0, INFINITY}, {1, 0.2, 0.45}};
	double		a[64],
				b[64];
	TeSpectrumSeries sa = {"a", a, 64, 10.0, 40};
	TeSpectrumSeries sb = {"a", b, 64, 10.0, 40};
	static char t1[8192],
				t2[8192];
	int			i;

	te_env_init_malloc(&env);
	memset(&opt, 0, sizeof(opt));
	opt.unit = "cosine distance";
	unit_ok(te_svg_diagram_ex(&env, p, 3, "d", &opt, &s) == TE_OK && doc_ok(s, "diagram with a unit") &&
			strstr(s, ">birth (cosine distance)</text>") && strstr(s, ">death (cosine distance)</text>"),
			"the diagram's axes name the metric");
	te_free(&env, s);
	unit_ok(te_svg_barcode_ex(&env, p, 3, "b", &opt, &s) == TE_OK && doc_ok(s, "barcode with a unit") &&
			strstr(s, ">cosine distance</text>") && !strstr(s, "filtration value"),
			"the barcode's axis names the metric");
	te_free(&env, s);
	{
		double		x[3] = {0.0, 0.5, 1.0},
					y[3] = {3.0, 1.0, 1.0};
		TeCurveSeries c = {"H0", x, y, 3};

		unit_ok(te_svg_betti_curves_ex(&env, &c, 1, "c", NULL, &opt, &s) == TE_OK &&
				doc_ok(s, "curves with a unit") && strstr(s, ">scale (cosine distance)</text>"),
				"the Betti curves' axis names the metric");
		te_free(&env, s);
	}

	/* a shared scale reaches past the data: the tick 1.5 exists only with it */
	memset(&opt, 0, sizeof(opt));
	unit_ok(te_svg_diagram_ex(&env, p, 3, "d", &opt, &s) == TE_OK && s && !strstr(s, ">1.5</text>"),
			"without a shared scale the axes end near the data");
	te_free(&env, s);
	opt.scale_max = 2.0;
	unit_ok(te_svg_diagram_ex(&env, p, 3, "d", &opt, &s) == TE_OK && s && strstr(s, ">1.5</text>") &&
			strstr(s, ">2</text>"), "a shared scale of 2 widens the diagram's axes to 2");
	te_free(&env, s);
	unit_ok(te_svg_barcode_ex(&env, p, 3, "b", &opt, &s) == TE_OK && s && strstr(s, ">1.5</text>"),
			"a shared scale of 2 widens the barcode's axis to 2");
	te_free(&env, s);

	/* two spectra a decade apart, with one shared range, get the same y axis */
	for (i = 0; i < 64; i++)
	{
		a[i] = exp(-i / 8.0);
		b[i] = 1e-3 * a[i];
	}
	memset(&opt, 0, sizeof(opt));
	te_svg_spectrum_ex(&env, &sa, 1, "a", &opt, &s);
	te_svg_spectrum_ex(&env, &sb, 1, "b", &opt, &s2);
	y_ticks(s, t1, sizeof(t1));
	y_ticks(s2, t2, sizeof(t2));
	unit_ok(strcmp(t1, t2) != 0, "spectra a thousand times apart get different axes by default");
	te_free(&env, s);
	te_free(&env, s2);
	opt.y_min = 1e-7;
	opt.y_max = 1.0;
	unit_ok(te_svg_spectrum_ex(&env, &sa, 1, "a", &opt, &s) == TE_OK && doc_ok(s, "shared range a") &&
			te_svg_spectrum_ex(&env, &sb, 1, "b", &opt, &s2) == TE_OK && doc_ok(s2, "shared range b"),
			"spectra with a shared range");
	y_ticks(s, t1, sizeof(t1));
	y_ticks(s2, t2, sizeof(t2));
	unit_ok(t1[0] != '\0' && strcmp(t1, t2) == 0, "a shared range gives both the same y axis");
	te_free(&env, s);
	te_free(&env, s2);

	/* the empty message */
	memset(&opt, 0, sizeof(opt));
	opt.empty = "no data: the diagram is NULL";
	unit_ok(te_svg_diagram_ex(&env, NULL, 0, NULL, &opt, &s) == TE_OK && doc_ok(s, "NULL diagram") &&
			strstr(s, ">no data: the diagram is NULL</text>") && !strstr(s, ">no pairs<"),
			"an empty diagram says what the caller says");
	te_free(&env, s);
	unit_ok(te_svg_spectrum_ex(&env, NULL, 0, NULL, &opt, &s) == TE_OK && doc_ok(s, "NULL spectrum") &&
			strstr(s, ">no data: the diagram is NULL</text>"), "an empty spectrum plot says it too");
	te_free(&env, s);

	/* bad options are refused */
	memset(&opt, 0, sizeof(opt));
	opt.scale_max = NAN;
	unit_ok(te_svg_diagram_ex(&env, p, 3, NULL, &opt, &s) == TE_INVALID && s == NULL, "a NaN scale is invalid");
	opt.scale_max = -1.0;
	unit_ok(te_svg_barcode_ex(&env, p, 3, NULL, &opt, &s) == TE_INVALID, "a negative scale is invalid");
	memset(&opt, 0, sizeof(opt));
	opt.y_min = 2.0;
	opt.y_max = 1.0;
	unit_ok(te_svg_spectrum_ex(&env, &sa, 1, NULL, &opt, &s) == TE_INVALID && s == NULL,
			"an empty eigenvalue range is invalid (%s)", env.msg);
	opt.y_min = INFINITY;
	unit_ok(te_svg_spectrum_ex(&env, &sa, 1, NULL, &opt, &s) == TE_INVALID, "an infinite range is invalid");
}

/* the width attribute of the highlight's outline in doc, or -1 */
static double
highlight_width(const char *doc)
{
	const char *r = doc ? strstr(doc, "<rect class=\"highlight\"") : NULL;
	const char *w = r ? strstr(r, " width=\"") : NULL;

	return w ? atof(w + 8) : -1.0;
}

/* the y attribute of the text element that holds needle in doc, or -1 */
static double
text_y(const char *doc, const char *needle)
{
	const char *hit = doc ? strstr(doc, needle) : NULL;
	const char *y;

	while (hit && hit > doc && strncmp(hit, "<text", 5) != 0)
		hit--;
	y = hit ? strstr(hit, " y=\"") : NULL;
	return y ? atof(y + 4) : -1.0;
}

/* one pair highlighted: ringed or outlined, captioned, kept when capped away, checked */
static void
test_highlight(void)
{
	TeEnv		env;
	char	   *s = NULL,
			   *plain = NULL;
	TeSvgOptions opt;
	TePersPair *p;
	int64_t		n,
				i,
				shortest = -1,
				longest = -1;
	double		w_short,
				w_long;
	char		want[64];

	te_env_init_malloc(&env);
	p = make_diagram(5123, 300, 12, &n);
	for (i = 1; i < 5123; i++)	/* the finite H0 bars */
	{
		if (shortest < 0 || p[i].death < p[shortest].death)
			shortest = i;
		if (longest < 0 || p[i].death > p[longest].death)
			longest = i;
	}
	memset(&opt, 0, sizeof(opt));
	unit_ok(te_svg_barcode_ex(&env, p, n, "b", &opt, &plain) == TE_OK && plain &&
			!strstr(plain, "highlight") && !strstr(plain, "outlined"), "highlight 0 marks nothing");

	/* the shortest H0 bar is capped away unless it is the one highlighted */
	opt.highlight = shortest + 1;
	unit_ok(te_svg_barcode_ex(&env, p, n, "b", &opt, &s) == TE_OK && doc_ok(s, "barcode with a highlight"),
			"a barcode with its shortest H0 bar highlighted");
	snprintf(want, sizeof(want), ">outlined: pair %lld: H0, born 0, dies ", (long long) shortest + 1);
	unit_ok(s && strstr(s, want) && count_of(s, "<rect class=\"highlight\"") == 1,
			"one outline and the caption \"%s\"", want + 1);
	unit_ok(s && strstr(s, "showing the longest bars and the outlined one: H0 ") &&
			!strstr(plain, "and the outlined one"), "the subtitle says the outlined bar was added");
	unit_ok(s && plain && count_of(s, "M") == count_of(plain, "M"),
			"the outlined bar takes the place of another: as many bars drawn (%ld, %ld)",
			s ? count_of(s, "M") : -1L, plain ? count_of(plain, "M") : -1L);
	w_short = highlight_width(s) - 4.0;
	te_free(&env, s);
	opt.highlight = longest + 1;
	unit_ok(te_svg_barcode_ex(&env, p, n, "b", &opt, &s) == TE_OK && s &&
			strstr(s, "showing the longest bars: H0 "), "the longest bar is shown anyway: the subtitle is as before");
	w_long = highlight_width(s) - 4.0;
	unit_ok(w_short > 0.0 && w_long > 0.0 &&
			fabs(w_short / w_long - p[shortest].death / p[longest].death) < 0.02,
			"the outline spans its bar: widths %.1f and %.1f against deaths %.4f and %.4f",
			w_short, w_long, p[shortest].death, p[longest].death);
	te_free(&env, s);
	te_free(&env, plain);

	/* an essential pair and an H1 pair on the diagram */
	opt.highlight = 1;
	unit_ok(te_svg_barcode_ex(&env, p, n, "b", &opt, &s) == TE_OK && s &&
			strstr(s, ">outlined: pair 1: H0, born 0, never dies</text>"), "an essential bar is outlined");
	te_free(&env, s);
	unit_ok(te_svg_diagram_ex(&env, p, n, "d", &opt, &s) == TE_OK && doc_ok(s, "diagram with a highlight") &&
			strstr(s, ">pair 1: H0</text>") && strstr(s, ">born 0, never dies</text>") &&
			count_of(s, "<g class=\"highlight\"") == 1, "an essential pair is ringed on the diagram");
	te_free(&env, s);
	opt.highlight = 5123 + 1;
	snprintf(want, sizeof(want), ">pair %lld: H1</text>", (long long) opt.highlight);
	unit_ok(te_svg_diagram_ex(&env, p, n, "d", &opt, &s) == TE_OK && s && strstr(s, want) &&
			strstr(s, ">born ") && strstr(s, ", dies "), "an H1 pair is ringed and captioned");
	te_free(&env, s);

	/* a legend of ten dimensions, each with an essential class, runs past the
	 * caption's usual place: the caption goes below it, inside the document */
	{
		TePersPair	tall[20];
		int			d;
		double		last,
					cap;

		for (d = 0; d < 10; d++)
		{
			tall[2 * d] = (TePersPair) {d, 0.1 * d, INFINITY};
			tall[2 * d + 1] = (TePersPair) {d, 0.1 * d, 0.1 * d + 0.5};
		}
		opt.highlight = 20;
		unit_ok(te_svg_diagram_ex(&env, tall, 20, "d", &opt, &s) == TE_OK && doc_ok(s, "tall legend"),
				"a highlight beside a legend of ten dimensions");
		/* the legend's last line: H9's "1 essential (∞)", after its "H9 (2)" */
		last = s && strstr(s, ">H9 (2)</text>") ? text_y(strstr(s, ">H9 (2)</text>"), " essential (") : -1.0;
		cap = text_y(s, ">pair 20: H9</text>");
		unit_ok(last > 0.0 && cap > last && text_y(s, ">born 0.9, dies 1.4</text>") > cap &&
				text_y(s, ">born 0.9, dies 1.4</text>") < 480.0,
				"the caption (y %.1f) sits below the legend's last line (y %.1f), inside the document", cap, last);
		te_free(&env, s);
	}

	/* out of range */
	opt.highlight = n + 1;
	unit_ok(te_svg_diagram_ex(&env, p, n, "d", &opt, &s) == TE_INVALID && s == NULL &&
			strstr(env.msg, "no pair"), "a highlight beyond the diagram is invalid (%s)", env.msg);
	unit_ok(te_svg_barcode_ex(&env, p, n, "b", &opt, &s) == TE_INVALID && s == NULL,
			"on the barcode too");
	opt.highlight = -1;
	unit_ok(te_svg_barcode_ex(&env, p, n, "b", &opt, &s) == TE_INVALID && s == NULL &&
			strstr(env.msg, "numbered from 1"), "a negative highlight is invalid (%s)", env.msg);
	opt.highlight = 1;
	unit_ok(te_svg_diagram_ex(&env, NULL, 0, "d", &opt, &s) == TE_INVALID && s == NULL,
			"nothing to highlight in an empty diagram");
	free(p);
}

/* run every test */
/* te_svg_pca on a ring of points with a loop of every tenth */
static TeStatus
plot_pca_ring(TeEnv *env, void *arg, char **out)
{
	static double xy[2 * 200];
	static int64_t loop[20],
				labels[20];
	double		share[2] = {0.5, 0.25};
	int			i;

	(void) arg;
	for (i = 0; i < 200; i++)
	{
		xy[2 * i] = cos(i * 2.0 * M_PI / 200.0);
		xy[2 * i + 1] = 0.5 * sin(i * 2.0 * M_PI / 200.0);
	}
	for (i = 0; i < 20; i++)
	{
		loop[i] = 10 * i;
		labels[i] = 1000 + i;
	}
	return te_svg_pca(env, xy, 200, loop, labels, 20, share, "ring <a>", NULL, out);
}

/* the PCA picture: dots, the loop, labels, axes, one dot per pixel, refusals */
static void
test_pca(void)
{
	TeEnv		env;
	char	   *s = NULL;
	double	   *same = malloc(sizeof(double) * 2 * 5000);
	int64_t		loop[2] = {0, 4999},
				bad[1] = {5000};
	long		circles;
	TeStatus	st;
	int			i;

	te_env_init_malloc(&env);
	unit_ok(plot_pca_ring(&env, NULL, &s) == TE_OK && doc_ok(s, "PCA picture"), "a PCA picture with a loop");
	unit_ok(s && count_of(s, "class=\"loop-point\"") == 20 && count_of(s, "class=\"loop\"") == 1 &&
			strstr(s, ">1000</text>") && strstr(s, ">1019</text>") && strstr(s, " Z\"/>"),
			"the loop: one closed path, 20 points, each labelled with its id");
	unit_ok(s && strstr(s, "PC1 (50% of the variance)") && strstr(s, "PC2 (25% of the variance)") &&
			strstr(s, "ring &lt;a&gt;"), "the axes name their share of the variance; the title is escaped");
	circles = s ? count_of(s, "<circle") : 0L;
	unit_ok(circles == 200 + 20 + 1, "every point of the ring is drawn (%ld circles with the loop's and "
			"the legend's)", circles);
	te_free(&env, s);
	for (i = 0; i < 5000; i++)
	{
		same[2 * i] = 1.0 + (i % 2) * 1e-9;
		same[2 * i + 1] = 2.0;
	}
	same[0] = 0.0;
	st = te_svg_pca(&env, same, 5000, loop, NULL, 2, NULL, NULL, NULL, &s);
	circles = s ? count_of(s, "<circle") : 0L;
	unit_ok(st == TE_OK && doc_ok(s, "PCA picture of repeated points") && circles == 2 + 2 + 1,
			"5000 points on two pixels draw two dots (%ld circles with the loop's two and the legend's)",
			circles);
	unit_ok(s && strstr(s, "PC1</text>") && !strstr(s, ">1000</text>"), "no share, no labels: plain axis labels");
	te_free(&env, s);
	unit_ok(te_svg_pca(&env, same, 5000, bad, NULL, 1, NULL, NULL, NULL, &s) == TE_INVALID && s == NULL,
			"a loop point beyond the points is invalid");
	same[7] = NAN;
	unit_ok(te_svg_pca(&env, same, 5000, NULL, NULL, 0, NULL, NULL, NULL, &s) == TE_INVALID && s == NULL,
			"a coordinate that is NaN is invalid");
	unit_ok(te_svg_pca(&env, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL, &s) == TE_OK && doc_ok(s, "empty PCA") &&
			strstr(s, "no data"), "no points: an empty picture");
	te_free(&env, s);
	free(same);
	run_failures("PCA picture", plot_pca_ring, NULL);
}

int
main(void)
{
	test_checker();
	test_format();
	test_escape();
	test_axes();
	test_titles();
	test_diagram();
	test_barcode();
	test_spectrum();
	test_betti();
	test_loglog();
	test_options();
	test_highlight();
	test_failures();
	test_locale();
	test_deterministic();
	test_pca();
	return unit_done();
}
