/*
 * blob.c - versioned, checksummed serialisation of topembed's stored types
 *
 * Binary form (send/recv): 4-byte magic, int32 format version, the fields in
 * network byte order, then a 64-bit FNV-1a checksum of everything before it.
 * Text form: "<type>/v<version>:" followed by the binary form in base64.
 * Both forms round-trip every double bit for bit, so pg_dump and restore
 * keep a stored value exactly; a truncated or altered value is refused.
 */
#include "topembed.h"

#include "port/pg_bswap.h"
#include "utils/memutils.h"

#define BLOB_HEADER 8
#define BLOB_TRAILER 8

static const char b64chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* start a blob: magic and version */
void
te_blob_begin(StringInfo si, const char magic[4], int version)
{
	appendBinaryStringInfo(si, magic, 4);
	te_blob_put_int32(si, version);
}

/* an int32, big-endian */
void
te_blob_put_int32(StringInfo si, int32 v)
{
	uint32		n = pg_hton32((uint32) v);

	appendBinaryStringInfo(si, (char *) &n, 4);
}

/* an int64, big-endian */
void
te_blob_put_int64(StringInfo si, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(si, (char *) &n, 8);
}

/* a double, bit for bit, big-endian */
void
te_blob_put_float8(StringInfo si, double v)
{
	uint64		u;

	memcpy(&u, &v, 8);
	te_blob_put_int64(si, (int64) u);
}

/* n doubles, converted in one pass into the buffer */
void
te_blob_put_float8s(StringInfo si, const double *v, size_t n)
{
	size_t		i;
	uint64	   *dst;

	/* a StringInfo holds at most MaxAllocSize bytes: refuse, never wrap */
	if (n > (size_t) (MaxAllocSize - si->len - 1) / 8)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a state of %zu values is too large to pass between parallel workers (at most %zu bytes)",
						n, (size_t) MaxAllocSize),
				 errhint("SET max_parallel_workers_per_gather = 0 to run it in one process, or use fewer rows.")));
	enlargeStringInfo(si, (int) (n * 8));
	dst = (uint64 *) (si->data + si->len);
	for (i = 0; i < n; i++)
	{
		uint64		u;

		memcpy(&u, &v[i], 8);
		u = pg_hton64(u);
		memcpy(&dst[i], &u, 8);
	}
	si->len += (int) (n * 8);
	si->data[si->len] = '\0';
}

/*
 * n doubles that are all floats (te_blob_all_float4), as 4-byte floats: the
 * rows of a real[] column, exactly, in half the bytes
 */
void
te_blob_put_float4s(StringInfo si, const double *v, size_t n)
{
	size_t		i;

	if (n > (size_t) (MaxAllocSize - si->len - 1) / 4)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a state of %zu values is too large to pass between parallel workers (at most %zu bytes)",
						n, (size_t) MaxAllocSize)));
	enlargeStringInfo(si, (int) (n * 4));
	for (i = 0; i < n; i++)
	{
		float		f = (float) v[i];
		uint32		u;

		memcpy(&u, &f, 4);
		u = pg_hton32(u);
		memcpy(si->data + si->len + 4 * i, &u, 4);
	}
	si->len += (int) (n * 4);
	si->data[si->len] = '\0';
}

/* whether every one of n doubles is a float exactly (so 4 bytes keep it) */
bool
te_blob_all_float4(const double *v, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if ((double) (float) v[i] != v[i])
			return false;
	return true;
}

/* finish a blob: append the checksum */
void
te_blob_end(StringInfo si)
{
	uint64		h = te_hash_bytes(TE_HASH_INIT, si->data, si->len);

	te_blob_put_int64(si, (int64) h);
}

/* ERROR for a corrupt value */
void
te_blob_corrupt(TeBlobReader *r, const char *fmt,...)
{
	char		buf[256];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid %s value: %s", r->typname, buf)));
}

/*
 * Check magic, version and checksum; position after the header and return
 * the format version.
 */
int
te_blob_open(TeBlobReader *r, const char *typname, const char magic[4],
			 const void *buf, size_t len, int max_version)
{
	int32		version;
	uint64		stored;
	uint64		actual;

	r->typname = typname;
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	if (len < BLOB_HEADER + BLOB_TRAILER)
		te_blob_corrupt(r, "truncated: %zu bytes", len);
	if (memcmp(buf, magic, 4) != 0)
		te_blob_corrupt(r, "not a %s value (wrong magic bytes)", typname);
	r->pos = 4;
	version = te_blob_get_int32(r);
	if (version < 1 || version > max_version)
		te_blob_corrupt(r, "unsupported format version %d (this build reads versions 1 to %d)",
						version, max_version);
	memcpy(&stored, r->buf + len - BLOB_TRAILER, 8);
	stored = pg_ntoh64(stored);
	actual = te_hash_bytes(TE_HASH_INIT, r->buf, len - BLOB_TRAILER);
	if (stored != actual)
		te_blob_corrupt(r, "checksum mismatch: the value is truncated or altered");
	r->len = len - BLOB_TRAILER;
	return version;
}

/* ERROR unless n more bytes are there */
static void
need(TeBlobReader *r, size_t n)
{
	if (r->pos + n > r->len || r->pos + n < r->pos)
		te_blob_corrupt(r, "truncated at byte %zu", r->pos);
}

/* the next int32 (ERROR when truncated) */
int32
te_blob_get_int32(TeBlobReader *r)
{
	uint32		n;

	need(r, 4);
	memcpy(&n, r->buf + r->pos, 4);
	r->pos += 4;
	return (int32) pg_ntoh32(n);
}

/* the next int64 (ERROR when truncated) */
int64
te_blob_get_int64(TeBlobReader *r)
{
	uint64		n;

	need(r, 8);
	memcpy(&n, r->buf + r->pos, 8);
	r->pos += 8;
	return (int64) pg_ntoh64(n);
}

/* the next double, bit for bit */
double
te_blob_get_float8(TeBlobReader *r)
{
	uint64		u = (uint64) te_blob_get_int64(r);
	double		v;

	memcpy(&v, &u, 8);
	return v;
}

/* the next n doubles (ERROR when fewer are left) */
void
te_blob_get_float8s(TeBlobReader *r, double *v, size_t n)
{
	size_t		i;

	if (n > (r->len - r->pos) / 8)
		te_blob_corrupt(r, "truncated: %zu values expected at byte %zu", n, r->pos);
	for (i = 0; i < n; i++)
	{
		uint64		u;

		memcpy(&u, r->buf + r->pos + 8 * i, 8);
		u = pg_ntoh64(u);
		memcpy(&v[i], &u, 8);
	}
	r->pos += 8 * n;
}

/* n 4-byte floats, widened to doubles */
void
te_blob_get_float4s(TeBlobReader *r, double *v, size_t n)
{
	size_t		i;

	if (n > (r->len - r->pos) / 4)
		te_blob_corrupt(r, "truncated: %zu values expected at byte %zu", n, r->pos);
	for (i = 0; i < n; i++)
	{
		uint32		u;
		float		f;

		memcpy(&u, r->buf + r->pos + 4 * i, 4);
		u = pg_ntoh32(u);
		memcpy(&f, &u, 4);
		v[i] = (double) f;
	}
	r->pos += 4 * n;
}

/* ERROR if bytes are left over */
void
te_blob_close(TeBlobReader *r)
{
	if (r->pos != r->len)
		te_blob_corrupt(r, "%zu unexpected trailing bytes", r->len - r->pos);
}

/* "<prefix>/v<version>:<base64 of si>" */
char *
te_blob_to_text(const char *prefix, int version, StringInfo si)
{
	StringInfoData out;
	const unsigned char *p = (const unsigned char *) si->data;
	size_t		n = si->len;
	size_t		i;

	initStringInfo(&out);
	appendStringInfo(&out, "%s/v%d:", prefix, version);
	enlargeStringInfo(&out, (int) ((n + 2) / 3 * 4 + 1));
	for (i = 0; i + 2 < n; i += 3)
	{
		uint32		w = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
		char	   *o = out.data + out.len;

		o[0] = b64chars[(w >> 18) & 63];
		o[1] = b64chars[(w >> 12) & 63];
		o[2] = b64chars[(w >> 6) & 63];
		o[3] = b64chars[w & 63];
		out.len += 4;
	}
	if (i < n)
	{
		uint32		w = p[i] << 16;
		char	   *o = out.data + out.len;

		if (i + 1 < n)
			w |= p[i + 1] << 8;
		o[0] = b64chars[(w >> 18) & 63];
		o[1] = b64chars[(w >> 12) & 63];
		o[2] = (i + 1 < n) ? b64chars[(w >> 6) & 63] : '=';
		o[3] = '=';
		out.len += 4;
	}
	out.data[out.len] = '\0';
	return out.data;
}

/* value of a base64 character, or -1 */
static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* parse the text form into the binary form in out */
void
te_blob_from_text(const char *typname, const char *prefix, const char *text,
				  StringInfo out)
{
	size_t		plen = strlen(prefix);
	const char *p;
	size_t		n,
				i;
	uint32		acc = 0;
	int			bits = 0;
	int			pad = 0;

	if (strncmp(text, prefix, plen) != 0 || text[plen] != '/' || text[plen + 1] != 'v')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", typname),
				 errdetail("A %s value starts with \"%s/v<version>:\".", typname, prefix)));
	p = strchr(text + plen, ':');
	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", typname),
				 errdetail("The \":\" after the format version is missing.")));
	p++;
	n = strlen(p);
	initStringInfo(out);
	enlargeStringInfo(out, (int) (n / 4 * 3 + 3));
	for (i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) p[i];
		int			v;

		if (c == '=')
		{
			pad++;
			continue;
		}
		v = b64val(c);
		if (v < 0 || pad > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s", typname),
					 errdetail("Invalid base64 character at position %zu.", (size_t) (p - text) + i + 1)));
		acc = (acc << 6) | (uint32) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			out->data[out->len++] = (char) ((acc >> bits) & 0xff);
		}
	}
	if ((n % 4) != 0 || pad > 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", typname),
				 errdetail("The base64 payload is truncated.")));
	out->data[out->len] = '\0';
}

/* the bytes of si as a bytea (the send functions' result) */
bytea *
te_blob_to_bytea(StringInfo si)
{
	bytea	   *result = palloc(VARHDRSZ + si->len);

	SET_VARSIZE(result, VARHDRSZ + si->len);
	memcpy(VARDATA(result), si->data, si->len);
	return result;
}
