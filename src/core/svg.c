/*
 * svg.c - the toolkit under the SVG plots: a growable text buffer on the
 *         caller's allocator, locale-free number formatting, XML escaping,
 *         "nice" axes and the common SVG pieces
 *
 * Numbers never go through printf's %f/%g: a PostgreSQL backend may run
 * with LC_NUMERIC set to a locale whose decimal point is a comma, and an
 * SVG coordinate must use '.'.  Integers are formatted by hand as well.
 */
#include "topembed/svg.h"

#include <math.h>
#include <string.h>

/* ---- growable text ---- */

/* start an empty text on env's allocator */
void
te_text_init(TeText *t, TeEnv *env)
{
	t->data = NULL;
	t->len = 0;
	t->cap = 0;
	t->env = env;
	t->failed = 0;
}

/* release the text's memory */
void
te_text_free(TeText *t)
{
	te_free(t->env, t->data);
	t->data = NULL;
	t->len = 0;
	t->cap = 0;
}

/* make room for extra more bytes plus the NUL; 0 if that failed */
static int
text_reserve(TeText *t, size_t extra)
{
	size_t		need;
	size_t		cap;
	char	   *p;

	if (t->failed)
		return 0;
	if (extra > SIZE_MAX / 4 - t->len)
	{
		t->failed = 1;
		return 0;
	}
	need = t->len + extra + 1;
	if (need <= t->cap)
		return 1;
	cap = t->cap ? t->cap : 8192;
	while (cap < need)
		cap *= 2;
	p = te_alloc(t->env, cap);
	if (p == NULL)
	{
		t->failed = 1;
		return 0;
	}
	if (t->data)
		memcpy(p, t->data, t->len + 1);
	else
		p[0] = '\0';
	te_free(t->env, t->data);
	t->data = p;
	t->cap = cap;
	return 1;
}

/* append n bytes */
void
te_text_putn(TeText *t, const char *s, size_t n)
{
	if (!text_reserve(t, n))
		return;
	memcpy(t->data + t->len, s, n);
	t->len += n;
	t->data[t->len] = '\0';
}

/* append a C string */
void
te_text_puts(TeText *t, const char *s)
{
	te_text_putn(t, s, strlen(s));
}

/* append one byte */
void
te_text_putc(TeText *t, char c)
{
	te_text_putn(t, &c, 1);
}

/* append an integer */
void
te_text_int(TeText *t, int64_t v)
{
	char		buf[TE_NUMBUF];

	te_text_putn(t, buf, (size_t) te_format_int(buf, v));
}

/* append v with at most decimals digits after the point */
void
te_text_fixed(TeText *t, double v, int decimals)
{
	char		buf[TE_NUMBUF];

	te_text_putn(t, buf, (size_t) te_format_fixed(buf, v, decimals));
}

/* append v with sig significant digits */
void
te_text_num(TeText *t, double v, int sig)
{
	char		buf[TE_NUMBUF];

	te_text_putn(t, buf, (size_t) te_format_num(buf, v, sig));
}

/* hand the finished document to the caller, or free it and report */
TeStatus
te_text_finish(TeText *t, char **out)
{
	*out = NULL;
	if (!t->failed && t->data == NULL)
		text_reserve(t, 0);
	if (t->failed)
	{
		te_text_free(t);
		return te_fail(t->env, TE_NOMEM, "out of memory while writing an SVG document");
	}
	*out = t->data;
	t->data = NULL;
	t->len = t->cap = 0;
	return TE_OK;
}

/* ---- UTF-8 and XML escaping ---- */

/* decode one character at s (s[0] != 0); invalid bytes give U+FFFD and length 1 */
static int
utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	int			len;
	uint32_t	v;
	unsigned char lo = 0x80,
				hi = 0xBF;
	int			i;

	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
	{
		len = 2;
		v = c & 0x1F;
	}
	else if (c >= 0xE0 && c <= 0xEF)
	{
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;			/* no UTF-16 surrogates */
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;			/* nothing above U+10FFFF */
	}
	else
	{
		*cp = 0xFFFD;
		return 1;
	}
	for (i = 1; i < len; i++)
	{
		unsigned char b = s[i];

		if (b < lo || b > hi)
		{
			*cp = 0xFFFD;
			return 1;
		}
		lo = 0x80;
		hi = 0xBF;
		v = (v << 6) | (b & 0x3F);
	}
	*cp = v;
	return len;
}

/* count the characters of s as the escaper sees them */
int
te_utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	int			n = 0;
	uint32_t	cp;

	if (s == NULL)
		return 0;
	while (*p && n < 1000000)
	{
		p += utf8_next(p, &cp);
		n++;
	}
	return n;
}

/* a rough width of a sans-serif text, about 0.6 em per character */
double
te_text_width(const char *s, double font_size)
{
	return 0.6 * font_size * te_utf8_chars(s);
}

/* append code point cp as UTF-8 */
static void
put_utf8(TeText *t, uint32_t cp)
{
	char		b[4];

	if (cp < 0x80)
		te_text_putc(t, (char) cp);
	else if (cp < 0x800)
	{
		b[0] = (char) (0xC0 | (cp >> 6));
		b[1] = (char) (0x80 | (cp & 0x3F));
		te_text_putn(t, b, 2);
	}
	else if (cp < 0x10000)
	{
		b[0] = (char) (0xE0 | (cp >> 12));
		b[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char) (0x80 | (cp & 0x3F));
		te_text_putn(t, b, 3);
	}
	else
	{
		b[0] = (char) (0xF0 | (cp >> 18));
		b[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char) (0x80 | (cp & 0x3F));
		te_text_putn(t, b, 4);
	}
}

/*
 * append s escaped for XML text and attribute values: the five markup
 * characters become references, control characters (C0, DEL, C1) become
 * spaces, invalid UTF-8 and the non-characters U+FFFE/U+FFFF become U+FFFD;
 * more than maxchars characters (if maxchars > 0) are cut with an ellipsis
 */
void
te_text_escape(TeText *t, const char *s, int maxchars)
{
	const unsigned char *p = (const unsigned char *) s;
	int			keep = -1;
	int			n = 0;
	uint32_t	cp;

	if (s == NULL)
		return;
	if (maxchars > 0 && te_utf8_chars(s) > maxchars)
		keep = maxchars > 1 ? maxchars - 1 : 1;
	while (*p)
	{
		if (keep >= 0 && n >= keep)
		{
			te_text_puts(t, "\xE2\x80\xA6");	/* … */
			return;
		}
		p += utf8_next(p, &cp);
		n++;
		switch (cp)
		{
			case '&':
				te_text_puts(t, "&amp;");
				break;
			case '<':
				te_text_puts(t, "&lt;");
				break;
			case '>':
				te_text_puts(t, "&gt;");
				break;
			case '"':
				te_text_puts(t, "&quot;");
				break;
			case '\'':
				te_text_puts(t, "&#39;");
				break;
			default:
				if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
					te_text_putc(t, ' ');
				else if (cp == 0xFFFE || cp == 0xFFFF)
					put_utf8(t, 0xFFFD);
				else
					put_utf8(t, cp);
				break;
		}
	}
}

/* ---- numbers ---- */

/* v * 10^k without overflowing the intermediate power */
static double
scale10(double v, int k)
{
	while (k > 300)
	{
		v *= 1e300;
		k -= 300;
	}
	while (k < -300)
	{
		v *= 1e-300;
		k += 300;
	}
	return v * pow(10.0, k);
}

/* write the decimal digits of u at buf; returns their count */
static int
put_digits(char *buf, uint64_t u)
{
	char		tmp[24];
	int			n = 0;
	int			i;

	do
	{
		tmp[n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

/* format an integer */
int
te_format_int(char *buf, int64_t v)
{
	int			n = 0;
	uint64_t	u;

	if (v < 0)
	{
		buf[n++] = '-';
		u = (uint64_t) 0 - (uint64_t) v;
	}
	else
		u = (uint64_t) v;
	n += put_digits(buf + n, u);
	buf[n] = '\0';
	return n;
}

/* format v with at most decimals (0..6) digits after the point, trailing zeros dropped */
int
te_format_fixed(char *buf, double v, int decimals)
{
	static const int64_t pow10i[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	int64_t		scale,
				r,
				ip,
				fp;
	int			n = 0;
	int			i;
	char		frac[8];

	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	if (!isfinite(v))
		v = 0.0;
	if (v > 1e9)
		v = 1e9;
	if (v < -1e9)
		v = -1e9;
	scale = pow10i[decimals];
	r = llround(fabs(v) * (double) scale);
	ip = r / scale;
	fp = r % scale;
	if (v < 0 && r != 0)
		buf[n++] = '-';
	n += put_digits(buf + n, (uint64_t) ip);
	if (fp)
	{
		for (i = decimals - 1; i >= 0; i--)
		{
			frac[i] = (char) ('0' + fp % 10);
			fp /= 10;
		}
		while (decimals > 0 && frac[decimals - 1] == '0')
			decimals--;
		buf[n++] = '.';
		memcpy(buf + n, frac, (size_t) decimals);
		n += decimals;
	}
	buf[n] = '\0';
	return n;
}

/*
 * format mant * 10^exp10 exactly: positional, or (sci) as d.ddde-7; with
 * unicode_minus the minus signs are U+2212, as typeset labels want
 */
int
te_format_scaled(char *buf, int64_t mant, int exp10, int sci, int unicode_minus)
{
	char		dig[24];
	int			nd;
	int			n = 0;
	int			i;
	uint64_t	u;
	const char *minus = unicode_minus ? "\xE2\x88\x92" : "-";

	if (mant == 0)
	{
		buf[0] = '0';
		buf[1] = '\0';
		return 1;
	}
	if (mant < 0)
	{
		memcpy(buf, minus, strlen(minus));
		n += (int) strlen(minus);
		u = (uint64_t) 0 - (uint64_t) mant;
	}
	else
		u = (uint64_t) mant;
	/* drop trailing zeros of the mantissa into the exponent */
	while (u % 10 == 0)
	{
		u /= 10;
		exp10++;
	}
	nd = put_digits(dig, u);
	if (!sci && (exp10 > 18 || exp10 + nd < -18))
		sci = 1;
	if (sci)
	{
		int			e = exp10 + nd - 1;

		buf[n++] = dig[0];
		if (nd > 1)
		{
			buf[n++] = '.';
			memcpy(buf + n, dig + 1, (size_t) (nd - 1));
			n += nd - 1;
		}
		buf[n++] = 'e';
		if (e < 0)
		{
			memcpy(buf + n, minus, strlen(minus));
			n += (int) strlen(minus);
			e = -e;
		}
		n += put_digits(buf + n, (uint64_t) e);
	}
	else if (exp10 >= 0)
	{
		memcpy(buf + n, dig, (size_t) nd);
		n += nd;
		for (i = 0; i < exp10; i++)
			buf[n++] = '0';
	}
	else if (nd + exp10 > 0)
	{
		/* the point falls inside the digits */
		int			ip = nd + exp10;

		memcpy(buf + n, dig, (size_t) ip);
		n += ip;
		buf[n++] = '.';
		memcpy(buf + n, dig + ip, (size_t) (nd - ip));
		n += nd - ip;
	}
	else
	{
		buf[n++] = '0';
		buf[n++] = '.';
		for (i = 0; i < -(nd + exp10); i++)
			buf[n++] = '0';
		memcpy(buf + n, dig, (size_t) nd);
		n += nd;
	}
	buf[n] = '\0';
	return n;
}

/* format v with sig (1..15) significant digits; positional for 1e-4 <= |v| < 1e6 */
int
te_format_num(char *buf, double v, int sig)
{
	double		a;
	int			e;
	int64_t		m,
				top;
	int			i;

	if (isnan(v))
	{
		strcpy(buf, "NaN");
		return 3;
	}
	if (isinf(v))
	{
		strcpy(buf, v > 0 ? "\xE2\x88\x9E" : "-\xE2\x88\x9E");
		return (int) strlen(buf);
	}
	if (v == 0.0)
	{
		strcpy(buf, "0");
		return 1;
	}
	if (sig < 1)
		sig = 1;
	if (sig > 15)
		sig = 15;
	for (top = 1, i = 0; i < sig; i++)
		top *= 10;
	a = fabs(v);
	e = (int) floor(log10(a));
	m = llround(scale10(a, sig - 1 - e));
	if (m >= top)
	{
		e++;
		m = llround(scale10(a, sig - 1 - e));
	}
	else if (m < top / 10)
	{
		e--;
		m = llround(scale10(a, sig - 1 - e));
	}
	if (m >= top)
		m = top - 1;
	return te_format_scaled(buf, v < 0 ? -m : m, e - sig + 1,
							!(e >= -4 && e < 6), 0);
}

/* ---- axes ---- */

/* a linear axis with ticks at multiples of a 1-2-5 step */
void
te_axis_linear(TeAxis *ax, double lo, double hi, int target, int integer)
{
	double		mag,
				raw,
				step,
				f;
	int			e,
				m,
				sexp = 0,
				sci = 0,
				i;
	int64_t		k0,
				k1,
				k;

	memset(ax, 0, sizeof(*ax));
	ax->p1 = 1.0;
	if (target < 2)
		target = 2;
	if (target > TE_AXIS_MAX_TICKS - 4)
		target = TE_AXIS_MAX_TICKS - 4;
	if (!isfinite(lo) || !isfinite(hi))
	{
		lo = 0.0;
		hi = 1.0;
	}
	if (lo > hi)
	{
		double		tmp = lo;

		lo = hi;
		hi = tmp;
	}

	/* work in units of 10^sexp so that neither overflow nor subnormals bite */
	mag = fmax(fabs(lo), fabs(hi));
	if (mag > 1e300)
		sexp = 20;
	else if (mag > 0.0 && mag < 1e-290)
		sexp = (int) floor(log10(mag));
	lo = scale10(lo, -sexp);
	hi = scale10(hi, -sexp);
	mag = fmax(fabs(lo), fabs(hi));
	if (integer && sexp != 0)
		integer = 0;

	/* a range too narrow to draw: widen it around its centre */
	if (hi - lo <= mag * 1e-9)
	{
		double		c = lo * 0.5 + hi * 0.5;
		double		pad = mag * 0.1;

		if (mag == 0.0)
			pad = 1.0;
		if (integer && pad < 1.0)
			pad = 1.0;
		if (c >= 0.0 && c - pad < 0.0 && mag != 0.0)
			lo = 0.0;			/* keep a non-negative range non-negative */
		else
			lo = c - pad;
		hi = c + pad;
		if (mag == 0.0)
			lo = 0.0;
	}

	raw = (hi - lo) / target;
	e = (int) floor(log10(raw));
	f = raw / scale10(1.0, e);
	if (f <= 1.0 + 1e-9)
		m = 1;
	else if (f <= 2.0 + 1e-9)
		m = 2;
	else if (f <= 5.0 + 1e-9)
		m = 5;
	else
	{
		m = 1;
		e++;
	}
	if (integer && e < 0)
	{
		m = 1;
		e = 0;
	}
	step = scale10((double) m, e);
	k0 = (int64_t) floor(lo / step + 1e-7);
	k1 = (int64_t) ceil(hi / step - 1e-7);
	if (k1 <= k0)
		k1 = k0 + 1;
	if (k1 - k0 >= TE_AXIS_MAX_TICKS)
		k1 = k0 + TE_AXIS_MAX_TICKS - 1;
	ax->lo = (double) k0 * step;
	ax->hi = (double) k1 * step;
	ax->scale_exp = sexp;

	for (k = k0, i = 0; k <= k1; k++, i++)
	{
		ax->tick[i].value = (double) k * step;
		ax->tick[i].major = 1;
		if (te_format_scaled(ax->tick[i].label, k * m, e + sexp, 0, 1) > 9)
			sci = 1;
	}
	ax->ntick = i;
	if (sci)
		for (k = k0, i = 0; k <= k1; k++, i++)
			te_format_scaled(ax->tick[i].label, k * m, e + sexp, 1, 1);
}

/* add one tick to a log axis */
static void
log_tick(TeAxis *ax, int m, int d, int major, int plain)
{
	TeTick	   *tk;

	if (ax->ntick >= TE_AXIS_MAX_TICKS)
		return;
	tk = &ax->tick[ax->ntick++];
	tk->value = log10((double) m) + d;
	tk->major = major;
	tk->label[0] = '\0';
	tk->sup[0] = '\0';
	if (!major)
		return;
	if (plain)
		te_format_scaled(tk->label, m, d, d >= 6 || d < -3, 1);
	else
	{
		/* 10 with the exponent raised */
		strcpy(tk->label, "10");
		te_format_scaled(tk->sup, d, 0, 0, 1);
	}
}

/* a log10 axis with labelled decades */
void
te_axis_log(TeAxis *ax, double lo, double hi, int snap, int plain)
{
	double		l0,
				l1;
	int			d0,
				d1,
				d,
				mm,
				every,
				minors;

	memset(ax, 0, sizeof(*ax));
	ax->log = 1;
	ax->p1 = 1.0;
	if (!(hi > 0.0) || !isfinite(hi))
		hi = 1.0;
	if (!(lo > 0.0) || !isfinite(lo) || lo > hi)
		lo = hi;
	l0 = log10(lo);
	l1 = log10(hi);
	if (snap)
	{
		l0 = floor(l0 + 1e-9);
		l1 = ceil(l1 - 1e-9);
		if (l1 <= l0)
		{
			l0 -= 1.0;
			l1 += 1.0;
		}
	}
	else if (l1 - l0 < 1e-6)
	{
		l0 -= 0.5;
		l1 += 0.5;
	}
	ax->lo = l0;
	ax->hi = l1;

	d0 = (int) ceil(l0 - 1e-9);
	d1 = (int) floor(l1 + 1e-9);
	every = (d1 - d0 + 1 + 6) / 7;
	if (every < 1)
		every = 1;
	minors = (l1 - l0) <= 3.5;
	for (d = (int) floor(l0); d <= d1; d++)
	{
		if (d >= d0)
		{
			int			major = ((d % every) + every) % every == 0;

			if (major || d1 - d0 <= 40)
				log_tick(ax, 1, d, major, plain);
		}
		if (!minors)
			continue;
		for (mm = 2; mm <= 9; mm++)
		{
			double		v = log10((double) mm) + d;

			if (v < l0 - 1e-9 || v > l1 + 1e-9)
				continue;
			/* label 2 and 5 when plain numbers fit: 1 2 5 10 20 50 ... */
			log_tick(ax, mm, d, plain && (mm == 2 || mm == 5) && (l1 - l0) <= 2.5, plain);
		}
	}
}

/* set pixel positions */
void
te_axis_place(TeAxis *ax, double p0, double p1)
{
	ax->p0 = p0;
	ax->p1 = p1;
}

/* axis units to pixels */
static double
axis_unit_to_px(const TeAxis *ax, double u)
{
	double		p;

	if (ax->hi == ax->lo)
		return ax->p0;
	p = ax->p0 + (u - ax->lo) / (ax->hi - ax->lo) * (ax->p1 - ax->p0);
	if (!(p > -1e6))
		p = -1e6;
	if (!(p < 1e6))
		p = 1e6;
	return p;
}

/* data value to pixels */
double
te_axis_map(const TeAxis *ax, double v)
{
	if (ax->log)
	{
		if (!(v > 0.0))
			return ax->p0;
		return axis_unit_to_px(ax, log10(v));
	}
	return axis_unit_to_px(ax, ax->scale_exp ? scale10(v, -ax->scale_exp) : v);
}

/* pixel position of tick i */
double
te_axis_tick_pos(const TeAxis *ax, int i)
{
	return axis_unit_to_px(ax, ax->tick[i].value);
}

/* ---- SVG pieces ---- */

/* Okabe & Ito's colour-blind-safe palette without its yellow, which is too pale on white */
const char *
te_svg_color(int k)
{
	static const char *const pal[] = {
		"#0072B2",				/* blue */
		"#D55E00",				/* vermillion */
		"#009E73",				/* bluish green */
		"#CC79A7",				/* reddish purple */
		"#E69F00",				/* orange */
		"#56B4E9",				/* sky blue */
		"#000000",				/* black */
	};

	if (k < 0)
		k = -k;
	return pal[k % 7];
}

/* the root element, a white background and the accessible title and description */
void
te_svg_begin(TeText *t, int width, int height, const char *title, const char *desc)
{
	te_text_puts(t, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"");
	te_text_int(t, width);
	te_text_puts(t, "\" height=\"");
	te_text_int(t, height);
	te_text_puts(t, "\" viewBox=\"0 0 ");
	te_text_int(t, width);
	te_text_putc(t, ' ');
	te_text_int(t, height);
	te_text_puts(t, "\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\">\n");
	if (title && *title)
	{
		te_text_puts(t, "<title>");
		te_text_escape(t, title, 400);
		te_text_puts(t, "</title>\n");
	}
	if (desc && *desc)
	{
		te_text_puts(t, "<desc>");
		te_text_escape(t, desc, 2000);
		te_text_puts(t, "</desc>\n");
	}
	te_text_puts(t, "<rect width=\"");
	te_text_int(t, width);
	te_text_puts(t, "\" height=\"");
	te_text_int(t, height);
	te_text_puts(t, "\" fill=\"#fff\"/>\n");
}

/* close the root element */
void
te_svg_end(TeText *t)
{
	te_text_puts(t, "</svg>\n");
}

/* a text element with escaped content */
void
te_svg_text(TeText *t, double x, double y, double size, const char *anchor,
			const char *attrs, const char *text, int maxchars)
{
	te_text_puts(t, "<text x=\"");
	te_text_fixed(t, x, 1);
	te_text_puts(t, "\" y=\"");
	te_text_fixed(t, y, 1);
	te_text_puts(t, "\" font-size=\"");
	te_text_fixed(t, size, 1);
	te_text_putc(t, '"');
	if (anchor && strcmp(anchor, "start") != 0)
	{
		te_text_puts(t, " text-anchor=\"");
		te_text_puts(t, anchor);
		te_text_putc(t, '"');
	}
	if (attrs && *attrs)
	{
		te_text_putc(t, ' ');
		te_text_puts(t, attrs);
	}
	te_text_putc(t, '>');
	te_text_escape(t, text, maxchars);
	te_text_puts(t, "</text>\n");
}

/* a tick label, with its superscript exponent if any */
static void
tick_label(TeText *t, const TeTick *tk, double x, double y, const char *anchor)
{
	te_text_puts(t, "<text x=\"");
	te_text_fixed(t, x, 1);
	te_text_puts(t, "\" y=\"");
	te_text_fixed(t, y, 1);
	te_text_putc(t, '"');
	if (strcmp(anchor, "start") != 0)
	{
		te_text_puts(t, " text-anchor=\"");
		te_text_puts(t, anchor);
		te_text_putc(t, '"');
	}
	te_text_putc(t, '>');
	te_text_escape(t, tk->label, 0);
	if (tk->sup[0])
	{
		te_text_puts(t, "<tspan dy=\"-5\" font-size=\"8.5\">");
		te_text_escape(t, tk->sup, 0);
		te_text_puts(t, "</tspan>");
	}
	te_text_puts(t, "</text>\n");
}

/* the widest tick label of an axis, in pixels at font size 11 */
static double
widest_label(const TeAxis *ax)
{
	double		w = 0.0;
	int			i;

	for (i = 0; i < ax->ntick; i++)
		if (ax->tick[i].major)
		{
			double		wi = te_text_width(ax->tick[i].label, 11.0) +
				te_text_width(ax->tick[i].sup, 8.5);

			if (wi > w)
				w = wi;
		}
	return w;
}

/* smallest pixel distance between neighbouring labelled ticks */
static double
label_spacing(const TeAxis *ax)
{
	double		best = 1e9,
				prev = 0.0;
	int			i,
				seen = 0;

	for (i = 0; i < ax->ntick; i++)
	{
		double		p;

		if (!ax->tick[i].major)
			continue;
		p = te_axis_tick_pos(ax, i);
		if (seen && fabs(p - prev) < best)
			best = fabs(p - prev);
		prev = p;
		seen = 1;
	}
	return best;
}

/* move to the point at tick position p on an axis drawn at 'at' */
static void
axis_move(TeText *t, double at, double p, int is_y)
{
	te_text_putc(t, 'M');
	te_text_fixed(t, is_y ? at : p, 1);
	te_text_putc(t, ' ');
	te_text_fixed(t, is_y ? p : at, 1);
}

/*
 * The grid lines (from the axis at 'at' to grid_to) and the tick marks of
 * an x axis (is_y = 0) or a y axis (is_y = 1), for ticks within [lo, hi];
 * leaves the tick-label group open.
 */
static void
axis_lines(TeText *t, const TeAxis *ax, double at, double grid_to, int is_y, double lo, double hi)
{
	int			i;

	te_text_puts(t, "<path stroke=\"#e6e6e6\" d=\"");
	for (i = 0; i < ax->ntick; i++)
	{
		double		p = te_axis_tick_pos(ax, i);

		if (!ax->tick[i].major || p < lo || p > hi)
			continue;
		axis_move(t, at, p, is_y);
		te_text_putc(t, is_y ? 'H' : 'V');
		te_text_fixed(t, grid_to, 1);
	}
	te_text_puts(t, "\"/>\n<path stroke=\"#555\" d=\"");
	for (i = 0; i < ax->ntick; i++)
	{
		double		p = te_axis_tick_pos(ax, i);

		if (p < lo || p > hi)
			continue;
		axis_move(t, at, p, is_y);
		if (is_y)
			te_text_puts(t, ax->tick[i].major ? "h-5" : "h-3");
		else
			te_text_puts(t, ax->tick[i].major ? "v5" : "v3");
	}
	te_text_puts(t, "\"/>\n<g font-size=\"11\" fill=\"#333\">\n");
}

/* the x axis: grid lines, tick marks, tick labels and the axis title */
void
te_svg_xaxis(TeText *t, const TeAxis *ax, double y, double grid_to, const char *label)
{
	int			i,
				nlab = 0,
				thin;
	double		lo = fmin(ax->p0, ax->p1) - 0.5,
				hi = fmax(ax->p0, ax->p1) + 0.5;

	/* label every other tick if the labels would touch */
	thin = widest_label(ax) + 8.0 > label_spacing(ax);

	axis_lines(t, ax, y, grid_to, 0, lo, hi);
	for (i = 0; i < ax->ntick; i++)
	{
		double		p = te_axis_tick_pos(ax, i);

		if (!ax->tick[i].major || p < lo || p > hi)
			continue;
		if (!thin || nlab % 2 == 0)
			tick_label(t, &ax->tick[i], p, y + 18.0, "middle");
		nlab++;
	}
	te_text_puts(t, "</g>\n");
	if (label && *label)
		te_svg_text(t, (ax->p0 + ax->p1) / 2.0, y + 38.0, 13.0, "middle",
					"fill=\"#222\"", label, 60);
}

/* the y axis: grid lines, tick marks, tick labels and the rotated axis title */
void
te_svg_yaxis(TeText *t, const TeAxis *ax, double x, double grid_to, const char *label,
			 double label_x)
{
	int			i,
				nlab = 0,
				thin;
	double		lo = fmin(ax->p0, ax->p1) - 0.5,
				hi = fmax(ax->p0, ax->p1) + 0.5;

	thin = 13.0 > label_spacing(ax);

	axis_lines(t, ax, x, grid_to, 1, lo, hi);
	for (i = 0; i < ax->ntick; i++)
	{
		double		p = te_axis_tick_pos(ax, i);

		if (!ax->tick[i].major || p < lo || p > hi)
			continue;
		if (!thin || nlab % 2 == 0)
			tick_label(t, &ax->tick[i], x - 8.0, p + 4.0, "end");
		nlab++;
	}
	te_text_puts(t, "</g>\n");
	if (label && *label)
	{
		double		my = (ax->p0 + ax->p1) / 2.0;
		char		attrs[96];
		int			n = 0;

		/* attrs = fill="#222" transform="rotate(-90 X Y)" */
		strcpy(attrs, "fill=\"#222\" transform=\"rotate(-90 ");
		n = (int) strlen(attrs);
		n += te_format_fixed(attrs + n, label_x, 1);
		attrs[n++] = ' ';
		n += te_format_fixed(attrs + n, my, 1);
		attrs[n++] = ')';
		attrs[n++] = '"';
		attrs[n] = '\0';
		te_svg_text(t, label_x, my, 13.0, "middle", attrs, label, 50);
	}
}
