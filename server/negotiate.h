#ifndef ATTRITION_NEGOTIATE_H
#define ATTRITION_NEGOTIATE_H

/* Content negotiation as RFC 9110 §12 says: Accept (media ranges, parameters, q values) and
 * Accept-Encoding (codings, identity, *, q=0 exclusions). The parsers are pure functions of
 * the header text; NULL text means the header is absent (anything is acceptable). Elements
 * that do not parse are skipped; a header none of whose elements parses counts as absent.
 * q values are in thousandths (0..1000). */

#include <stddef.h>

struct request;

#define NEGOTIATE_Q_MAX 1000

/* The q value accept gives the media type `type` (a Content-Type value such as
 * "text/csv; charset=utf-8"): that of the most specific range matching it (a range with
 * parameters, all of which the type has, then type/subtype, then type/ *, then * / *;
 * among ranges equally specific, the lowest q). 0 when no range matches; NEGOTIATE_Q_MAX
 * when accept is absent or holds no valid range. */
int negotiate_media_q(const char *accept, const char *type);

/* The index in offered[0..n) of the type accept prefers: the highest q above 0, ties going
 * to the earlier offer. -1 when none is acceptable. */
int negotiate_media(const char *accept, const char *const *offered, size_t n);

typedef enum negotiate_coding {
    NEGOTIATE_IDENTITY, /* send the body as it is */
    NEGOTIATE_GZIP,     /* send it gzip-compressed */
    NEGOTIATE_NONE      /* neither is acceptable: 406 */
} negotiate_coding;

/* The content coding of a body for accept_encoding. gzip ("gzip", "x-gzip" or "*") is
 * acceptable when its q is above 0; identity is acceptable unless excluded ("identity;q=0",
 * or "*;q=0" without an identity entry). gzip is chosen when acceptable and either
 * identity is not, or gzip_worth (the body is large enough to gain) and gzip's q is at
 * least identity's explicit q. */
negotiate_coding negotiate_encoding(const char *accept_encoding, int gzip_worth);

/* The request's field `name` (Accept, Accept-Encoding): every field line of that name
 * joined with ", " (RFC 9110 §5.3) into buf (len bytes). NULL when the request has none, or
 * when the joined value does not fit in buf (then treated as absent: no preference). */
const char *negotiate_field(struct request *req, const char *name, char *buf, size_t len);

/* The media types of JSON and CSV answers (as reply.c and the CSV handlers send them), in
 * that order: what the series routes offer (JSON first on ties); every other route offers
 * its one type. */
#define NEGOTIATE_JSON "application/json; charset=utf-8"
#define NEGOTIATE_CSV "text/csv; charset=utf-8"
extern const char *const negotiate_json_csv[2];

/* What the request accepts among the representations a handler offers, from its Accept
 * field: the index into offered, or -1 (the caller answers 406). */
int negotiate_request_media(struct request *req, const char *const *offered, size_t n);

/* The content coding for a body of the request's answer (Accept-Encoding). */
negotiate_coding negotiate_request_encoding(struct request *req, int gzip_worth);

#endif
