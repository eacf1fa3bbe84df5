/*
 * The uploader's native row hasher (docs/decisions/client-16-native-row-hasher.md).
 *
 * A hashing worker hands it a chunk of whole CSV records; it parses each one,
 * normalises its mapped cells by the same rules as src/client/normalize/rules.ts
 * and writes the row's digests as the JSON a request body carries, straight into
 * the worker's output buffer. It takes only the rows it is sure of: a row with
 * any doubt (an invalid or blank-looking value, a value it has not been taught,
 * a cell that may be a digest already, a row with nothing to send) stops the run
 * and goes back to the JavaScript path, which is the reference and handles it
 * as before. The property test test/unit/client/native-row-hasher.test.ts holds the two
 * paths equal, byte for byte, on any input.
 *
 * Why: the JavaScript path spends ≈ 2.6 µs of CPU a row, most of it calls and
 * strings (a native SHA-256 call alone costs ≈ 0.26 µs from JavaScript, the
 * digest itself ≈ 0.07); this hasher does a row in a fraction of that, which
 * leaves the machine's cores to the server an upload feeds.
 *
 * Text the rules cannot judge byte by byte (names and cities outside ASCII,
 * country names) is taught by the JavaScript path: after it normalises a row
 * the hasher gave back, it tells the hasher the digest (or country code) of such
 * cells, and the hasher looks them up from then on. Names and countries repeat,
 * so after the first few rows nearly every row stays native.
 *
 * SHA-256 is OpenSSL's, the copy inside Node.js, which addons link against.
 */
#include <node_api.h>
#include <openssl/sha.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Keys the hasher normalises; any other key in a mapping keeps the whole file on the JavaScript path. */
enum key { K_EMAIL = 0, K_PHONE = 1, K_FN = 2, K_LN = 3, K_CT = 4, K_ZIP = 5, K_COUNTRY = 6 };

/* Kinds of taught text, the first byte of a table key. */
enum kind { KIND_NAME = 1, KIND_CITY = 2, KIND_COUNTRY = 3 };

/* Outcomes of run(), in state[STATUS]. */
enum status { ST_DONE = 0, ST_ROOM = 1, ST_FALLBACK = 2 };

/* Slots of the Int32Array `state` that run() reads and writes. */
enum slot { S_POS = 0, S_END = 1, S_OUT = 2, S_ROWS = 3, S_STATUS = 4, S_RECORD_END = 5, S_DONE = 6, S_SLOTS = 7 };

#define MAX_FIELDS 256
#define MAX_MAPPED 16
/* A cell this long may be a digest already (64 hex, passed through): the JavaScript path decides. */
#define LONG_CELL 64
#define NO_COUNTRY (-1)
#define COUNTRIES (26 * 26)
#define TABLE_SLOTS (1u << 16)
#define TABLE_MAX_ENTRIES (TABLE_SLOTS / 2)
/* ASCII names and cities the hasher computes itself fill at most half the entries: the rest stays for
 * taught text, which it cannot compute (a file with many distinct ASCII last names would otherwise
 * leave no room for its accented ones). */
#define TABLE_MAX_COMPUTED (TABLE_MAX_ENTRIES / 2)
#define MAX_TAUGHT_KEY 255

typedef struct {
  int field;    /* column of the record */
  int key;      /* enum key */
  int position; /* column of the output row (schema order) */
} mapped_t;

typedef struct {
  char prefix[4];
  int prefix_len; /* 0: no calling code known */
  int min_nsn;
  int max_nsn;
} calling_t;

typedef struct {
  uint64_t hash;
  uint32_t key_at; /* in the arena */
  uint16_t key_len;
  uint8_t used;
  int16_t country;
  char digest[64];
} entry_t;

typedef struct {
  unsigned char delimiter;
  int schema_len;
  int mapped_count;
  mapped_t mapped[MAX_MAPPED];
  int country_field; /* -1: no COUNTRY column */
  int default_country;
  unsigned char iso[COUNTRIES];
  calling_t calling[COUNTRIES];
  unsigned char country_digest_ready[COUNTRIES];
  char country_digest[COUNTRIES][64];
  entry_t *table;
  uint32_t entries;
  unsigned char *arena;
  uint32_t arena_len;
  uint32_t arena_cap;
  /* Fields of the record being read; quoted ones are unescaped into `scratch`. */
  const unsigned char *field_at[MAX_FIELDS];
  int field_len[MAX_FIELDS];
  int fields;
  unsigned char *scratch;
  size_t scratch_cap;
} hasher_t;

static const char HEX[] = "0123456789abcdef";

static int is_space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13); }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
static unsigned char to_lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static int has_high_byte(const unsigned char *s, int n) {
  for (int i = 0; i < n; i++) if (s[i] >= 0x80) return 1;
  return 0;
}

static void sha256_hex(const unsigned char *s, size_t n, char *out) {
  /* The low-level calls, not SHA256(): in OpenSSL 3 that one-shot goes through EVP_Q_digest, which
   * fetches the algorithm on every call (≈ 1 µs); these run the compression directly. */
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, s, n);
  SHA256_Final(md, &ctx);
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
    out[2 * i] = HEX[md[i] >> 4];
    out[2 * i + 1] = HEX[md[i] & 15];
  }
}

/* ---- Taught text: kind + raw bytes → digest or country, open addressing, bounded. ---- */

static uint64_t fnv1a(unsigned char kind, const unsigned char *s, int n) {
  uint64_t h = 1469598103934665603ull ^ kind;
  h *= 1099511628211ull;
  for (int i = 0; i < n; i++) {
    h ^= s[i];
    h *= 1099511628211ull;
  }
  return h;
}

static entry_t *table_find(hasher_t *hasher, unsigned char kind, const unsigned char *s, int n, uint64_t h) {
  uint32_t slot = (uint32_t)h & (TABLE_SLOTS - 1);
  for (;;) {
    entry_t *e = &hasher->table[slot];
    if (!e->used) return e;
    if (e->hash == h && e->key_len == n + 1 && hasher->arena[e->key_at] == kind &&
        memcmp(hasher->arena + e->key_at + 1, s, (size_t)n) == 0) return e;
    slot = (slot + 1) & (TABLE_SLOTS - 1);
  }
}

static const entry_t *table_get(hasher_t *hasher, unsigned char kind, const unsigned char *s, int n) {
  if (n > MAX_TAUGHT_KEY) return NULL;
  entry_t *e = table_find(hasher, kind, s, n, fnv1a(kind, s, n));
  return e->used ? e : NULL;
}

/* Keeps an entry while the table holds fewer than `limit`; later text is computed again, or, when taught,
 * stays on the JavaScript path. The table is never more than half full, so every probe ends. */
static entry_t *table_put(hasher_t *hasher, unsigned char kind, const unsigned char *s, int n, uint32_t limit) {
  if (n > MAX_TAUGHT_KEY) return NULL;
  uint64_t h = fnv1a(kind, s, n);
  entry_t *e = table_find(hasher, kind, s, n, h);
  if (e->used) return e;
  if (hasher->entries >= limit) return NULL;
  if (hasher->arena_len + (uint32_t)n + 1 > hasher->arena_cap) {
    uint32_t cap = hasher->arena_cap * 2;
    while (cap < hasher->arena_len + (uint32_t)n + 1) cap *= 2;
    unsigned char *grown = realloc(hasher->arena, cap);
    if (grown == NULL) return NULL;
    hasher->arena = grown;
    hasher->arena_cap = cap;
  }
  e->used = 1;
  e->hash = h;
  e->key_at = hasher->arena_len;
  e->key_len = (uint16_t)(n + 1);
  e->country = NO_COUNTRY;
  hasher->arena[hasher->arena_len] = kind;
  memcpy(hasher->arena + hasher->arena_len + 1, s, (size_t)n);
  hasher->arena_len += (uint32_t)n + 1;
  hasher->entries++;
  return e;
}

/* ---- Countries ---- */

static int country_of_letters(const hasher_t *hasher, unsigned char a, unsigned char b) {
  a = to_lower(a);
  b = to_lower(b);
  if (!is_lower(a) || !is_lower(b)) return NO_COUNTRY;
  int c = (a - 'a') * 26 + (b - 'a');
  return hasher->iso[c] ? c : NO_COUNTRY;
}

static const char *country_digest(hasher_t *hasher, int c) {
  if (!hasher->country_digest_ready[c]) {
    unsigned char code[2] = {(unsigned char)('a' + c / 26), (unsigned char)('a' + c % 26)};
    sha256_hex(code, 2, hasher->country_digest[c]);
    hasher->country_digest_ready[c] = 1;
  }
  return hasher->country_digest[c];
}

static int country_is(int c, char a, char b) { return c == (a - 'a') * 26 + (b - 'a'); }

/* ---- The rules (rules.ts), for cells of ASCII only, never empty, shorter than LONG_CELL. Each writes the
 * normalised value into `v` and returns its length, or -1 when the value is invalid. ---- */

/* normalizeEmail: trim, lowercase, /^[^\s@]+@[^\s@]+\.[^\s@]+$/. */
static int rule_email(const unsigned char *s, int n, unsigned char *v) {
  int from = 0, to = n;
  while (from < to && is_space(s[from])) from++;
  while (to > from && is_space(s[to - 1])) to--;
  int len = 0, at = -1;
  for (int i = from; i < to; i++) {
    unsigned char c = to_lower(s[i]);
    if (is_space(c)) return -1;
    if (c == '@') {
      if (at >= 0) return -1;
      at = len;
    }
    v[len++] = c;
  }
  if (at < 1) return -1;
  /* The domain: a "." with at least one character on each side. */
  for (int i = at + 2; i < len - 1; i++) if (v[i] == '.') return len;
  return -1;
}

/* normalizePhone: digits, the calling code of the row's country put in front where missing, 7–15 digits. */
static int rule_phone(const hasher_t *hasher, const unsigned char *s, int n, int country, unsigned char *v) {
  int i = 0;
  while (i < n && is_space(s[i])) i++;
  int has_plus = i < n && s[i] == '+';
  unsigned char digits[LONG_CELL];
  int count = 0;
  for (; i < n; i++) if (is_digit(s[i])) digits[count++] = s[i];
  if (count == 0) return -1;
  const calling_t *code = country == NO_COUNTRY || hasher->calling[country].prefix_len == 0 ? NULL : &hasher->calling[country];
  int zeros = 0;
  while (zeros < count && digits[zeros] == '0') zeros++;
  int len = 0;
  if (has_plus || (count >= 2 && digits[0] == '0' && digits[1] == '0') || code == NULL) {
    /* digits without their leading zeros */
  } else if (digits[0] == '0') {
    memcpy(v, code->prefix, (size_t)code->prefix_len);
    len = code->prefix_len;
  } else {
    int nsn = count - code->prefix_len;
    int international = count >= code->prefix_len && memcmp(digits, code->prefix, (size_t)code->prefix_len) == 0 &&
                        nsn >= code->min_nsn && nsn <= code->max_nsn;
    zeros = 0; /* no leading zero here */
    if (!international) {
      memcpy(v, code->prefix, (size_t)code->prefix_len);
      len = code->prefix_len;
    }
  }
  memcpy(v + len, digits + zeros, (size_t)(count - zeros));
  len += count - zeros;
  return len >= 7 && len <= 15 ? len : -1;
}

/* normalizeName and normalizeCity on ASCII: lowercase, a–z only, not empty. */
static int rule_letters(const unsigned char *s, int n, unsigned char *v) {
  int len = 0;
  for (int i = 0; i < n; i++) {
    unsigned char c = to_lower(s[i]);
    if (is_lower(c)) v[len++] = c;
  }
  return len > 0 ? len : -1;
}

/* UK_POSTCODE: /^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$/ */
static int uk_postcode(const unsigned char *v, int len) {
  for (int letters = 1; letters <= 2; letters++) {
    for (int optional = 0; optional <= 1; optional++) {
      if (letters + optional + 4 != len) continue;
      int ok = 1;
      for (int i = 0; i < letters; i++) ok &= is_lower(v[i]);
      ok &= is_digit(v[letters]);
      if (optional) ok &= is_lower(v[letters + 1]) || is_digit(v[letters + 1]);
      ok &= is_digit(v[letters + 1 + optional]);
      ok &= is_lower(v[len - 2]) && is_lower(v[len - 1]);
      if (ok) return 1;
    }
  }
  return 0;
}

static int all_digits(const unsigned char *v, int from, int to) {
  for (int i = from; i < to; i++) if (!is_digit(v[i])) return 0;
  return 1;
}

/* normalizeZip, by the row's country. */
static int rule_zip(const unsigned char *s, int n, int country, unsigned char *v) {
  if (n == 5 && all_digits(s, 0, 5)) {
    memcpy(v, s, 5);
    return 5;
  }
  int len = 0;
  for (int i = 0; i < n; i++) if (!is_space(s[i])) v[len++] = to_lower(s[i]);
  if (len == 0) return -1;
  /* US_ZIP: /^(\d{5})(?:-?\d{4})?$/ */
  int us = (len == 5 && all_digits(v, 0, 5)) || (len == 9 && all_digits(v, 0, 9)) ||
           (len == 10 && all_digits(v, 0, 5) && v[5] == '-' && all_digits(v, 6, 10));
  if (country_is(country, 'u', 's') || (country == NO_COUNTRY && us)) {
    if (us) return 5;
    if ((len == 3 || len == 4) && all_digits(v, 0, len)) {
      int pad = 5 - len;
      memmove(v + pad, v, (size_t)len);
      memset(v, '0', (size_t)pad);
      return 5;
    }
    return -1;
  }
  if (country_is(country, 'g', 'b') && uk_postcode(v, len)) return len - 2;
  int head = 0;
  while (head < len && v[head] != '-') head++;
  return head > 0 ? head : -1;
}

/* ---- Records (csv-parser.ts, as a whole chunk is parsed: push then finish) ---- */

/* Returns where the record after this one starts; 0 fields for a blank line. -1: an open quote runs to the end. */
static long read_record(hasher_t *hasher, const unsigned char *in, long pos, long end) {
  const unsigned char delimiter = hasher->delimiter;
  const unsigned char *line_end_p = memchr(in + pos, '\n', (size_t)(end - pos));
  long line_end = line_end_p == NULL ? end : line_end_p - in;
  hasher->fields = 0;
  if (memchr(in + pos, '"', (size_t)(line_end - pos)) == NULL) {
    /* The fast path: one line, split at each delimiter; one \r before the \n dropped; blank lines are no record. */
    long stop = line_end;
    if (stop > pos && in[stop - 1] == '\r') stop--;
    if (stop > pos) {
      long start = pos;
      for (long i = pos; i <= stop; i++) {
        if (i == stop || in[i] == delimiter) {
          if (hasher->fields < MAX_FIELDS) {
            hasher->field_at[hasher->fields] = in + start;
            hasher->field_len[hasher->fields] = (int)(i - start);
          }
          hasher->fields++;
          start = i + 1;
        }
      }
    }
    return line_end_p == NULL ? end : line_end + 1;
  }
  /* A record holding a quote (#parseQuotedRecord): quoted fields unescaped into the scratch buffer. */
  size_t need = (size_t)(end - pos);
  if (need > hasher->scratch_cap) {
    size_t cap = hasher->scratch_cap == 0 ? 4096 : hasher->scratch_cap;
    while (cap < need) cap *= 2;
    unsigned char *grown = realloc(hasher->scratch, cap);
    if (grown == NULL) return -1;
    hasher->scratch = grown;
    hasher->scratch_cap = cap;
  }
  unsigned char *out = hasher->scratch;
  long i = pos;
  for (;;) {
    unsigned char *value = out;
    if (i < end && in[i] == '"') {
      i++;
      for (;;) {
        const unsigned char *q = memchr(in + i, '"', (size_t)(end - i));
        if (q == NULL) return -1; /* unterminated: the JavaScript path reports it */
        memcpy(out, in + i, (size_t)(q - (in + i)));
        out += q - (in + i);
        i = q - in;
        if (i + 1 < end && in[i + 1] == '"') {
          *out++ = '"';
          i += 2;
          continue;
        }
        i++;
        break;
      }
    }
    long j = i;
    while (j < end && in[j] != delimiter && in[j] != '\n' && in[j] != '\r') j++;
    memcpy(out, in + i, (size_t)(j - i));
    out += j - i;
    if (hasher->fields < MAX_FIELDS) {
      hasher->field_at[hasher->fields] = value;
      hasher->field_len[hasher->fields] = (int)(out - value);
    }
    hasher->fields++;
    if (j == end) return end;
    if (in[j] == delimiter) {
      i = j + 1;
      continue;
    }
    long next = j + 1;
    if (in[j] == '\r' && next < end && in[next] == '\n') next++;
    return next;
  }
}

/*
 * Where the JavaScript path's slice for a record given back ends: after the record when it ends at a
 * newline or at the end of the input; else (a quoted-path record cut at a lone \r) after the first later
 * record that does. Parsed alone, a slice then decides each record's path as the whole chunk did: the
 * parser looks for a quote up to the next newline, and a slice cut at a lone \r could lose it (a record
 * of just "\r" then reads as a blank line and vanishes).
 */
static long slice_end(hasher_t *hasher, const unsigned char *in, long next, long end) {
  while (next < end && in[next - 1] != '\n') {
    long after = read_record(hasher, in, next, end);
    if (after < 0) return end;
    next = after;
  }
  return next;
}

/* ---- Rows ---- */

/* The most bytes one row takes: `["`, 64 hex a column with `","` between, `"],`. */
static long row_bytes(const hasher_t *hasher) { return 5 + 67L * hasher->schema_len; }


static void put(unsigned char **o, const char *s, size_t n) {
  memcpy(*o, s, n);
  *o += n;
}

/* The row of the record just read, written at `o` (room for it checked), or 0 when the JavaScript path must take it. */
static int write_row(hasher_t *hasher, unsigned char *o, unsigned char **row_end) {
  char digests[MAX_MAPPED][64];
  const char *column[MAX_MAPPED + 1];
  int filled = 0;
  int country = hasher->default_country;
  int country_given = 0;
  unsigned char v[LONG_CELL + 8];

  for (int p = 0; p < hasher->schema_len; p++) column[p] = NULL;
  if (hasher->country_field >= 0) {
    int f = hasher->country_field;
    int n = f < hasher->fields ? hasher->field_len[f] : 0;
    if (n > 0) {
      const unsigned char *s = hasher->field_at[f];
      int c = n == 2 ? country_of_letters(hasher, s[0], s[1]) : NO_COUNTRY;
      if (c == NO_COUNTRY) {
        const entry_t *e = table_get(hasher, KIND_COUNTRY, s, n);
        if (e == NULL) return 0; /* not taught yet, invalid, blank or a digest */
        c = e->country;
      }
      country = c;
      country_given = 1;
    }
  }
  for (int m = 0; m < hasher->mapped_count; m++) {
    const mapped_t *map = &hasher->mapped[m];
    if (map->key == K_COUNTRY) {
      if (country_given) {
        column[map->position] = country_digest(hasher, country);
        filled++;
      } else if (country != NO_COUNTRY) {
        column[map->position] = country_digest(hasher, country); /* --country fills it but is no value of the row */
      }
      continue;
    }
    int n = map->field < hasher->fields ? hasher->field_len[map->field] : 0;
    if (n == 0) continue;
    if (n >= LONG_CELL) return 0;
    const unsigned char *s = hasher->field_at[map->field];
    int len;
    if (map->key == K_FN || map->key == K_LN || map->key == K_CT) {
      unsigned char kind = map->key == K_CT ? KIND_CITY : KIND_NAME;
      const entry_t *e = table_get(hasher, kind, s, n);
      if (e != NULL) {
        column[map->position] = e->digest;
        filled++;
        continue;
      }
      if (has_high_byte(s, n)) return 0;
      len = rule_letters(s, n, v);
      if (len < 0) return 0;
      entry_t *put_at = table_put(hasher, kind, s, n, TABLE_MAX_COMPUTED);
      char *d = put_at != NULL ? put_at->digest : digests[m];
      sha256_hex(v, (size_t)len, d);
      column[map->position] = d;
      filled++;
      continue;
    }
    if (has_high_byte(s, n)) return 0;
    switch (map->key) {
      case K_EMAIL: len = rule_email(s, n, v); break;
      case K_PHONE: len = rule_phone(hasher, s, n, country, v); break;
      case K_ZIP: len = rule_zip(s, n, country, v); break;
      default: return 0;
    }
    if (len < 0) return 0;
    sha256_hex(v, (size_t)len, digests[m]);
    column[map->position] = digests[m];
    filled++;
  }
  if (filled == 0) return 0; /* rejected: the JavaScript path says why */
  put(&o, "[\"", 2);
  for (int p = 0; p < hasher->schema_len; p++) {
    if (p > 0) put(&o, "\",\"", 3);
    if (column[p] != NULL) put(&o, column[p], 64);
  }
  put(&o, "\"],", 3);
  *row_end = o;
  return 1;
}

/* ---- N-API ---- */

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "localgraph native row hasher: bad arguments");   \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static void hasher_free(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  hasher_t *hasher = data;
  free(hasher->table);
  free(hasher->arena);
  free(hasher->scratch);
  free(hasher);
}

/* The elements of a typed array of the given type (NULL, length 0, when it is not one). */
static void *typed_array(napi_env env, napi_value value, napi_typedarray_type want, size_t *length) {
  napi_typedarray_type type;
  void *data = NULL;
  size_t count = 0;
  *length = 0;
  if (napi_get_typedarray_info(env, value, &type, &count, &data, NULL, NULL) != napi_ok || type != want) return NULL;
  *length = count;
  return data;
}

static int32_t int_of(napi_env env, napi_value value) {
  int32_t n = 0;
  napi_get_value_int32(env, value, &n);
  return n;
}

/*
 * createHasher(delimiter, schemaLength, mapped: Int32Array [field, key, position]…, countryField,
 *            defaultCountry: string ("" for none), iso: string (alpha-2 codes joined),
 *            calling: Int32Array [country, prefix (number), prefix digits, min, max]…)
 */
static napi_value create_hasher(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 7) CHECK(napi_invalid_arg);
  hasher_t *hasher = calloc(1, sizeof(hasher_t));
  if (hasher == NULL) CHECK(napi_generic_failure);
  hasher->table = calloc(TABLE_SLOTS, sizeof(entry_t));
  hasher->arena_cap = 1u << 16;
  hasher->arena = malloc(hasher->arena_cap);
  if (hasher->table == NULL || hasher->arena == NULL) {
    hasher_free(env, hasher, NULL);
    CHECK(napi_generic_failure);
  }
  hasher->delimiter = (unsigned char)int_of(env, argv[0]);
  hasher->schema_len = int_of(env, argv[1]);
  size_t n = 0;
  int32_t *mapped = typed_array(env, argv[2], napi_int32_array, &n);
  hasher->mapped_count = (int)(n / 3);
  if (mapped == NULL || hasher->mapped_count > MAX_MAPPED || hasher->schema_len > MAX_MAPPED) {
    hasher_free(env, hasher, NULL);
    CHECK(napi_invalid_arg);
  }
  int bad = hasher->schema_len < 1;
  for (int m = 0; m < hasher->mapped_count; m++) {
    mapped_t *map = &hasher->mapped[m];
    map->field = mapped[3 * m];
    map->key = mapped[3 * m + 1];
    map->position = mapped[3 * m + 2];
    bad |= map->field < 0 || map->field >= MAX_FIELDS || map->key < K_EMAIL || map->key > K_COUNTRY ||
           map->position < 0 || map->position >= hasher->schema_len;
  }
  hasher->country_field = int_of(env, argv[3]);
  bad |= hasher->country_field >= MAX_FIELDS;
  if (bad) {
    hasher_free(env, hasher, NULL);
    CHECK(napi_invalid_arg);
  }
  char text[4096];
  size_t len = 0;
  napi_get_value_string_latin1(env, argv[5], text, sizeof text, &len);
  for (size_t i = 0; i + 1 < len; i += 2) {
    if (is_lower((unsigned char)text[i]) && is_lower((unsigned char)text[i + 1])) hasher->iso[(text[i] - 'a') * 26 + (text[i + 1] - 'a')] = 1;
  }
  napi_get_value_string_latin1(env, argv[4], text, sizeof text, &len);
  hasher->default_country = len == 2 ? country_of_letters(hasher, (unsigned char)text[0], (unsigned char)text[1]) : NO_COUNTRY;
  int32_t *calling = typed_array(env, argv[6], napi_int32_array, &n);
  for (size_t i = 0; calling != NULL && i + 5 <= n; i += 5) {
    int c = calling[i];
    if (c < 0 || c >= COUNTRIES || calling[i + 1] < 0 || calling[i + 2] < 1 || calling[i + 2] > 4) continue;
    calling_t *entry = &hasher->calling[c];
    entry->prefix_len = calling[i + 2];
    for (int d = entry->prefix_len - 1, value = calling[i + 1]; d >= 0; d--, value /= 10) entry->prefix[d] = (char)('0' + value % 10);
    entry->min_nsn = calling[i + 3];
    entry->max_nsn = calling[i + 4];
  }
  napi_value external;
  if (napi_create_external(env, hasher, hasher_free, NULL, &external) != napi_ok) {
    hasher_free(env, hasher, NULL);
    CHECK(napi_generic_failure);
  }
  return external;
}

/* The call's `count` arguments into argv (missing ones undefined) and the hasher it names first; NULL,
 * with an exception thrown, when that is not one. */
static hasher_t *hasher_of_call(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  size_t argc = count;
  hasher_t *hasher = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_external(env, argv[0], (void **)&hasher) != napi_ok) {
    napi_throw_error(env, NULL, "localgraph native row hasher: bad arguments");
    return NULL;
  }
  return hasher;
}

/*
 * run(hasher, input: Uint8Array, out: Uint8Array, starts: Uint32Array, state: Int32Array)
 * Reads records from state[S_POS] to state[S_END], writing rows at state[S_OUT] and their starts at
 * starts[state[S_ROWS]]; state[S_DONE] counts the records it took. Stops at the end (ST_DONE), when out
 * or starts has no room for one more row (ST_ROOM), or at a record for the JavaScript path (ST_FALLBACK):
 * its slice, from state[S_POS] to state[S_RECORD_END], holds that record and, when it ends at a lone
 * \r, the records up to the next that ends at a newline (slice_end).
 */
static napi_value run(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  hasher_t *hasher = hasher_of_call(env, info, 5, argv);
  if (hasher == NULL) return NULL;
  size_t in_len = 0, out_len = 0, starts_len = 0, state_len = 0;
  const unsigned char *in = typed_array(env, argv[1], napi_uint8_array, &in_len);
  unsigned char *out = typed_array(env, argv[2], napi_uint8_array, &out_len);
  uint32_t *starts = typed_array(env, argv[3], napi_uint32_array, &starts_len);
  int32_t *state = typed_array(env, argv[4], napi_int32_array, &state_len);
  /* Every position is checked against its array here, so nothing below reads or writes outside one. */
  if (state == NULL || state_len < S_SLOTS || (in == NULL && in_len > 0) || out == NULL || starts == NULL ||
      state[S_POS] < 0 || state[S_POS] > state[S_END] || (size_t)state[S_END] > in_len ||
      state[S_OUT] < 0 || (size_t)state[S_OUT] > out_len || state[S_ROWS] < 0 || (size_t)state[S_ROWS] > starts_len) {
    CHECK(napi_invalid_arg);
  }
  long pos = state[S_POS], end = state[S_END];
  long at = state[S_OUT];
  long rows = state[S_ROWS];
  int32_t done = 0;
  const long row_max = row_bytes(hasher);
  int status = ST_DONE;
  while (pos < end) {
    if (at + row_max > (long)out_len || rows + 1 > (long)starts_len) {
      status = ST_ROOM;
      break;
    }
    long next = read_record(hasher, in, pos, end);
    if (next < 0) {
      state[S_RECORD_END] = (int32_t)end;
      status = ST_FALLBACK;
      break;
    }
    if (hasher->fields == 0) { /* a blank line */
      pos = next;
      continue;
    }
    unsigned char *row_end = NULL;
    if (!write_row(hasher, out + at, &row_end)) {
      state[S_RECORD_END] = (int32_t)slice_end(hasher, in, next, end);
      status = ST_FALLBACK;
      break;
    }
    starts[rows++] = (uint32_t)at;
    at = row_end - out;
    pos = next;
    done++;
  }
  state[S_POS] = (int32_t)pos;
  state[S_OUT] = (int32_t)at;
  state[S_ROWS] = (int32_t)rows;
  state[S_STATUS] = status;
  state[S_DONE] = done;
  return NULL;
}

/* learn(hasher, kind, raw: Uint8Array, value: string): a name's or city's digest (64 hex), or a country's alpha-2 code. */
static napi_value learn(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  hasher_t *hasher = hasher_of_call(env, info, 4, argv);
  if (hasher == NULL) return NULL;
  int kind = int_of(env, argv[1]);
  size_t n = 0;
  const unsigned char *raw = typed_array(env, argv[2], napi_uint8_array, &n);
  char value[72];
  size_t len = 0;
  CHECK(napi_get_value_string_latin1(env, argv[3], value, sizeof value, &len));
  if (raw == NULL && n > 0) CHECK(napi_invalid_arg);
  if (n == 0 || n >= LONG_CELL) return NULL;
  if (kind == KIND_COUNTRY) {
    int c = len == 2 ? country_of_letters(hasher, (unsigned char)value[0], (unsigned char)value[1]) : NO_COUNTRY;
    if (c == NO_COUNTRY) return NULL;
    entry_t *e = table_put(hasher, KIND_COUNTRY, raw, (int)n, TABLE_MAX_ENTRIES);
    if (e != NULL) e->country = (int16_t)c;
  } else if ((kind == KIND_NAME || kind == KIND_CITY) && len == 64) {
    entry_t *e = table_put(hasher, (unsigned char)kind, raw, (int)n, TABLE_MAX_ENTRIES);
    if (e != NULL) memcpy(e->digest, value, 64);
  }
  return NULL;
}

/* rowBytes(hasher): the room run() needs for one more row, which it asks for (ST_ROOM) when short of it. */
static napi_value row_bytes_of(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  hasher_t *hasher = hasher_of_call(env, info, 1, argv);
  if (hasher == NULL) return NULL;
  napi_value result;
  CHECK(napi_create_int64(env, row_bytes(hasher), &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"createHasher", NULL, create_hasher, NULL, NULL, NULL, napi_default, NULL},
      {"run", NULL, run, NULL, NULL, NULL, napi_default, NULL},
      {"learn", NULL, learn, NULL, NULL, NULL, napi_default, NULL},
      {"rowBytes", NULL, row_bytes_of, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
