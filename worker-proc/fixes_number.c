/*
 * fixes_number.c: correct replacements for mujs 1.3.2's number
 * conversions, the rest of fixes.c's list. Runs in wwd-worker only.
 *
 * - Number literals and strings are parsed, and printed, inexactly
 *   (5e-324 is 0; 0.1 + 0.2 prints 0.30000000000000007). mujs calls its
 *   js_strtod and js_grisu2 through the PLT, so the definitions at the
 *   end of this file take their place inside libmujs too (the only
 *   functions here not named after the file, for that reason).
 * - toFixed, toExponential and toPrecision round exact ties to even
 *   ((2.5).toFixed(0) is "2"), and toPrecision drops trailing zeros.
 * - parseInt skips only ASCII blanks, reads "0x" as 0 and loses digits
 *   of long numbers; parseFloat likewise skips only ASCII blanks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

int	 js_grisu2(double, char *, int *);
double	 js_strtod(const char *, char **);

/* Add one unit in the last place of the n digits at d (which has room). */
static int
carry(char *d, int n)
{
	int	i;

	for (i = n - 1; i >= 0 && d[i] == '9'; i--)
		d[i] = '0';
	if (i >= 0) {
		d[i]++;
		return n;
	}
	memmove(d + 1, d, (size_t)n);
	d[0] = '1';
	return n + 1;
}

/*
 * The decimal digits of |x| (finite, not 0) rounded half up to n
 * significant digits (1 <= n <= 101): d gets n digits, the return
 * value is the decimal exponent of the first one. glibc prints the
 * exact binary value, so a tie is seen as a tie.
 */
static int
round_digits(double x, int n, char *d)
{
	char	buf[1200], *e;
	int	exp;

	snprintf(buf, sizeof buf, "%.800e", fabs(x));
	e = strchr(buf, 'e');
	exp = atoi(e + 1);
	d[0] = buf[0];
	memcpy(d + 1, buf + 2, (size_t)n);	/* skip the point */
	if (d[n] >= '5' && carry(d, n) > n)
		exp++;	/* 9.99 -> 10.0: keep n digits */
	d[n] = '\0';
	return exp;
}

/* this as a number for Number.prototype methods, or a TypeError. */
static double
this_number(js_State *J, const char *method)
{
	if (!js_isnumber(J, 0) && !js_isnumberobject(J, 0))
		js_typeerror(J, "Number.prototype.%s requires that 'this' be "
		    "a Number", method);
	return js_tonumber(J, 0);
}

/* A digits argument in [lo, 100], or a RangeError. */
static int
digits_arg(js_State *J, int idx, int lo, const char *method)
{
	double	f = js_tointeger(J, idx);

	if (f < lo || f > 100)
		js_rangeerror(J, "%s() argument must be between %d and 100",
		    method, lo);
	return (int)f;
}

/* Push d (n digits, first at exponent e) in exponential notation. */
static void
push_exponential(js_State *J, int neg, const char *d, int n, int e)
{
	char	out[128];
	int	k = 0;

	if (neg)
		out[k++] = '-';
	out[k++] = d[0];
	if (n > 1) {
		out[k++] = '.';
		memcpy(out + k, d + 1, (size_t)n - 1);
		k += n - 1;
	}
	snprintf(out + k, sizeof out - (size_t)k, "e%c%d", e < 0 ? '-' : '+',
	    abs(e));
	js_pushstring(J, out);
}

static void
fn_to_fixed(js_State *J)
{
	double	 x = this_number(J, "toFixed");
	int	 f = digits_arg(J, 1, 0, "toFixed"), ip, n, k = 0;
	char	 buf[1200], d[160], out[200], *dot;

	if (isnan(x) || fabs(x) >= 1e21) {
		js_pushnumber(J, x);
		js_tostring(J, -1);
		return;
	}
	/* Exact digits of |x|: round half up at f places. */
	snprintf(buf, sizeof buf, "%.1100f", fabs(x));
	dot = strchr(buf, '.');
	ip = (int)(dot - buf);
	memcpy(d, buf, (size_t)ip);
	memcpy(d + ip, dot + 1, (size_t)f);
	n = ip + f;
	if (dot[1 + f] >= '5')
		n = carry(d, n);
	if (x < 0)
		out[k++] = '-';
	memcpy(out + k, d, (size_t)(n - f));
	k += n - f;
	if (f > 0) {
		out[k++] = '.';
		memcpy(out + k, d + n - f, (size_t)f);
		k += f;
	}
	out[k] = '\0';
	js_pushstring(J, out);
}

static void
fn_to_exponential(js_State *J)
{
	double	x = this_number(J, "toExponential");
	char	d[128];
	int	f, e, n;

	if (!isfinite(x)) {
		js_pushnumber(J, x);
		js_tostring(J, -1);
		return;
	}
	if (js_isundefined(J, 1)) {
		/* As many digits as it takes: the shortest round trip. */
		if (x == 0) {
			js_pushstring(J, "0e+0");
			return;
		}
		n = js_grisu2(fabs(x), d, &e);
		push_exponential(J, x < 0, d, n, e + n - 1);
		return;
	}
	f = digits_arg(J, 1, 0, "toExponential");
	if (x == 0) {
		memset(d, '0', (size_t)f + 1);
		push_exponential(J, 0, d, f + 1, 0);
		return;
	}
	e = round_digits(x, f + 1, d);
	push_exponential(J, x < 0, d, f + 1, e);
}

static void
fn_to_precision(js_State *J)
{
	double	x = this_number(J, "toPrecision");
	char	d[128], out[256];
	int	p, e, k = 0, i;

	if (js_isundefined(J, 1) || !isfinite(x)) {
		js_pushnumber(J, x);
		js_tostring(J, -1);
		return;
	}
	p = digits_arg(J, 1, 1, "toPrecision");
	if (x == 0) {
		memset(d, '0', (size_t)p);
		e = 0;
	} else
		e = round_digits(x, p, d);
	if (e < -6 || e >= p) {
		push_exponential(J, x < 0, d, p, e);
		return;
	}
	if (x < 0)
		out[k++] = '-';
	if (e < 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (i = -1; i > e; i--)
			out[k++] = '0';
		memcpy(out + k, d, (size_t)p);
		k += p;
	} else {
		memcpy(out + k, d, (size_t)e + 1);
		k += e + 1;
		if (p > e + 1) {
			out[k++] = '.';
			memcpy(out + k, d + e + 1, (size_t)(p - e - 1));
			k += p - e - 1;
		}
	}
	out[k] = '\0';
	js_pushstring(J, out);
}

/* ECMAScript's StrWhiteSpaceChar in UTF-8 at s: its length, or 0. */
static size_t
white_space(const unsigned char *s)
{
	static const unsigned	 u[] = { 0xa0, 0x1680, 0x2000, 0x2001,
	    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
	    0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff };
	unsigned		 c;
	size_t			 i, n;

	if (*s != '\0' && strchr(" \t\n\v\f\r", *s) != NULL)
		return 1;
	/* All the others take 2 or 3 bytes of UTF-8. */
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		c = (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		n = 2;
	} else if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80) {
		c = (unsigned)(s[0] & 0x0f) << 12 |
		    (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		n = 3;
	} else
		return 0;
	for (i = 0; i < sizeof u / sizeof u[0]; i++)
		if (c == u[i])
			return n;
	return 0;
}

/* The value of digit c in radix r, or -1. */
static int
digit_value(int c, int r)
{
	int	v = c >= '0' && c <= '9' ? c - '0' :
	    c >= 'a' && c <= 'z' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;

	return v < r ? v : -1;
}

/* parseInt(string, radix), ECMA-262 15.1.2.2. */
static void
fn_parse_int(js_State *J)
{
	const unsigned char	*s = (const unsigned char *)js_tostring(J, 1);
	const unsigned char	*d;
	double			 v = 0, sign = 1;
	int			 r = js_toint32(J, 2), strip = 1, dv;
	size_t			 w;
	char			 buf[400];

	while ((w = white_space(s)) > 0)
		s += w;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	if (r != 0) {
		if (r < 2 || r > 36) {
			js_pushnumber(J, NAN);
			return;
		}
		strip = r == 16;
	} else
		r = 10;
	if (strip && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		r = 16;
	}
	for (d = s; digit_value(*d, r) >= 0; d++)
		;
	if (d == s) {
		js_pushnumber(J, NAN);
		return;
	}
	if (r == 10 && (size_t)(d - s) < sizeof buf) {
		/* Correctly rounded, where mujs multiplies and adds. */
		memcpy(buf, s, (size_t)(d - s));
		buf[d - s] = '\0';
		v = strtod(buf, NULL);
	} else
		for (; s < d; s++)
			if ((dv = digit_value(*s, r)) >= 0)
				v = v * r + dv;
	js_pushnumber(J, sign * v);
}

/* parseFloat(string), ECMA-262 15.1.2.3, on js_strtod below. */
static void
fn_parse_float(js_State *J)
{
	const char	*s = js_tostring(J, 1);
	char		*end;
	double		 v, sign = 1;
	size_t		 w;

	while ((w = white_space((const unsigned char *)s)) > 0)
		s += w;
	if ((*s == '-' || *s == '+') && strncmp(s + 1, "Infinity", 8) == 0)
		sign = *s++ == '-' ? -1 : 1;
	if (strncmp(s, "Infinity", 8) == 0) {
		js_pushnumber(J, sign * INFINITY);
		return;
	}
	v = js_strtod(s, &end);
	js_pushnumber(J, end == s ? NAN : v);
}

/*
 * Shortest digits that read back as v (v > 0, finite): the digits in
 * buffer (not NUL-ended), their count returned, the value being
 * digits * 10^*K. Replaces mujs's Grisu2, which is not always
 * shortest nor nearest (0.1 + 0.2 gave 0.30000000000000007). glibc's
 * %e rounds correctly, so the first precision that reads back is the
 * nearest of the shortest.
 */
int
js_grisu2(double v, char *buffer, int *K)
{
	char	buf[40], *e;
	int	p, n;

	v = fabs(v);
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof buf, "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	e = strchr(buf, 'e');
	buffer[0] = buf[0];
	n = 1;
	if (buf[1] == '.') {
		memcpy(buffer + 1, buf + 2, (size_t)(e - buf - 2));
		n += (int)(e - buf - 2);
	}
	*K = atoi(e + 1) - (n - 1);
	return n;
}

/*
 * The decimal number at the start of s (blanks, sign, digits with one
 * point, an exponent with digits): mujs's grammar for js_strtod,
 * converted correctly rounded by glibc. *end after it; at s when there
 * are no digits.
 */
double
js_strtod(const char *s, char **end)
{
	const char	*p = s, *start, *x;
	char		 small[128], *buf = small;
	double		 v;
	size_t		 n;
	int		 digits = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	start = p;
	if (*p == '-' || *p == '+')
		p++;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p == '.' && strchr(start, '.') < p)
			break;	/* a second point */
		digits += *p != '.';
	}
	if (digits == 0) {
		if (end != NULL)
			*end = (char *)s;
		return 0;
	}
	if (*p == 'e' || *p == 'E') {
		x = p + 1;
		if (*x == '-' || *x == '+')
			x++;
		if (*x >= '0' && *x <= '9') {
			while (*x >= '0' && *x <= '9')
				x++;
			p = x;
		}
	}
	n = (size_t)(p - start);
	if (n >= sizeof small && (buf = malloc(n + 1)) == NULL)
		buf = NULL;
	if (buf != NULL) {
		memcpy(buf, start, n);
		buf[n] = '\0';
		v = strtod(buf, NULL);
		if (buf != small)
			free(buf);
	} else
		v = NAN;
	if (end != NULL)
		*end = (char *)p;
	return v;
}

/* Install the number replacements (called by fixes_install). */
void
fixes_number_install(struct worker *w)
{
	js_State	*J = w->J;

	js_getglobal(J, "Number");
	js_getproperty(J, -1, "prototype");
	scope_method(J, "toFixed", fn_to_fixed, 1);
	scope_method(J, "toExponential", fn_to_exponential, 1);
	scope_method(J, "toPrecision", fn_to_precision, 1);
	js_pop(J, 2);
	js_pushglobal(J);
	scope_method(J, "parseInt", fn_parse_int, 2);
	scope_method(J, "parseFloat", fn_parse_float, 1);
	js_pop(J, 1);
}
