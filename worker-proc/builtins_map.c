/*
 * builtins_map.c: native Map and Set for the worker (ES2015 semantics
 * usable from ES5): SameValueZero keys (NaN is one key, -0 is +0),
 * insertion order, objects keyed by identity. mujs has no iterators, so
 * keys(), values() and entries() return arrays. Each Map or Set is a
 * userdata owning a C hash index (struct mapset); its keys and values
 * live in a hidden array property so the garbage collector sees them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

#define MAP_DATA	"[[MapData]]"	/* hidden: [k0, v0, k1, v1...] */
#define MAP_EMPTY	0u
#define MAP_GONE	UINT32_MAX	/* a deleted slot */

enum mkey_type { MK_UNDEFINED, MK_NULL, MK_BOOLEAN, MK_NUMBER, MK_STRING,
	MK_OBJECT };

/* A key's identity: its type and hash, its number or object address. */
struct mkey {
	enum mkey_type	 type;
	uint32_t	 hash;
	double		 num;
	uintptr_t	 id;
};

struct mentry {
	struct mkey	 key;
	int		 dead;
};

/*
 * One Map or Set, owned by its userdata (freed by the finalizer).
 * Entry i's key and value are at 2i and 2i + 1 of the hidden array;
 * slots hold entry index + 1. Entries are compacted only while no
 * forEach runs, so forEach can walk by index across mutation.
 */
struct mapset {
	int		 set;
	struct mentry	*e;
	uint32_t	 n;		/* entries used, dead ones included */
	uint32_t	 ecap;
	uint32_t	 live;
	uint32_t	*slot;
	uint32_t	 nslot;		/* a power of two, or 0 */
	uint32_t	 used;		/* slots not empty, tombstones too */
	int		 iterating;
};

static const char *const map_tags[] = { "Map", "Set" };

static void
map_finalize(js_State *J, void *p)
{
	struct mapset	*m = p;

	(void)J;
	free(m->e);
	free(m->slot);
	free(m);
}

/* The Map (set 0) or Set (set 1) that is `this`, or a TypeError. */
static struct mapset *
self(js_State *J, int set, const char *method)
{
	if (!js_isuserdata(J, 0, map_tags[set]))
		js_typeerror(J, "Method %s.prototype.%s called on an "
		    "incompatible receiver", map_tags[set], method);
	return js_touserdata(J, 0, map_tags[set]);
}

/* The identity of the value at idx; -0 becomes +0 in place. */
static void
key_of(js_State *J, int idx, struct mkey *k)
{
	const unsigned char	*s;
	uint32_t		 h = 2166136261u;
	union {
		double		d;
		uint64_t	u;
	} v;

	memset(k, 0, sizeof(*k));
	switch (js_type(J, idx)) {
	case JS_ISUNDEFINED: k->type = MK_UNDEFINED; break;
	case JS_ISNULL: k->type = MK_NULL; k->hash = 1; break;
	case JS_ISBOOLEAN:
		k->type = MK_BOOLEAN;
		k->hash = 2 + (uint32_t)js_toboolean(J, idx);
		break;
	case JS_ISNUMBER:
		k->type = MK_NUMBER;
		k->num = js_tonumber(J, idx);
		if (k->num == 0) {
			k->num = 0;
			js_pushnumber(J, 0);
			js_replace(J, idx < 0 ? idx - 1 : idx);
		}
		v.d = isnan(k->num) ? NAN : k->num;
		k->hash = isnan(k->num) ? 7 : (uint32_t)ipc_hash64(v.u);
		break;
	case JS_ISSTRING:
		k->type = MK_STRING;
		for (s = (const unsigned char *)js_tostring(J, idx); *s; s++)
			h = (h ^ *s) * 16777619u;
		k->hash = h;
		break;
	default:
		k->type = MK_OBJECT;
		js_copy(J, idx);
		k->id = clone_id(J);
		js_pop(J, 1);
		k->hash = (uint32_t)ipc_hash64(k->id);
		break;
	}
}

/* Whether entry i (key in the array at arr) is the key at kidx. */
static int
same(js_State *J, const struct mapset *m, uint32_t i, int arr, int kidx,
    const struct mkey *k)
{
	const struct mkey	*o = &m->e[i].key;
	int			 eq;

	if (o->type != k->type || o->hash != k->hash)
		return 0;
	switch (k->type) {
	case MK_NUMBER:
		return o->num == k->num || (isnan(o->num) && isnan(k->num));
	case MK_STRING:
		js_getindex(J, arr, (int)(2 * i));
		eq = strcmp(js_tostring(J, -1), js_tostring(J, kidx)) == 0;
		js_pop(J, 1);
		return eq;
	case MK_BOOLEAN: return 1;	/* the value is in the hash */
	case MK_OBJECT: return o->id == k->id;
	default: return 1;
	}
}

/* The entry of the key at kidx, or -1; *slotp gets its slot. */
static long
find(js_State *J, const struct mapset *m, int arr, int kidx,
    const struct mkey *k, uint32_t *slotp)
{
	uint32_t	i, s;

	if (m->nslot == 0)
		return -1;
	for (i = k->hash & (m->nslot - 1);; i = (i + 1) & (m->nslot - 1)) {
		s = m->slot[i];
		if (s == MAP_EMPTY)
			return -1;
		if (s != MAP_GONE && same(J, m, s - 1, arr, kidx, k)) {
			if (slotp != NULL)
				*slotp = i;
			return (long)s - 1;
		}
	}
}

static void
place(struct mapset *m, uint32_t entry)
{
	uint32_t	i = m->e[entry].key.hash & (m->nslot - 1);

	while (m->slot[i] != MAP_EMPTY && m->slot[i] != MAP_GONE)
		i = (i + 1) & (m->nslot - 1);
	if (m->slot[i] == MAP_EMPTY)
		m->used++;
	m->slot[i] = entry + 1;
}

/* Rebuild the slots for room for one more entry; throws when out of
 * memory (nothing changed then). */
static void
reindex(js_State *J, struct mapset *m)
{
	uint32_t	 n = 16, i, *slot;

	while (n < 4 * (m->live + 1))
		n *= 2;
	if ((slot = calloc(n, sizeof(*slot))) == NULL)
		js_error(J, "out of memory");
	free(m->slot);
	m->slot = slot;
	m->nslot = n;
	m->used = 0;
	for (i = 0; i < m->n; i++)
		if (!m->e[i].dead)
			place(m, i);
}

/* Drop dead entries from the C side and the hidden array at arr. */
static void
compact(js_State *J, struct mapset *m, int arr)
{
	uint32_t	i, j = 0;

	for (i = 0; i < m->n; i++) {
		if (m->e[i].dead)
			continue;
		if (i != j) {
			m->e[j] = m->e[i];
			js_getindex(J, arr, (int)(2 * i));
			js_setindex(J, arr, (int)(2 * j));
			js_getindex(J, arr, (int)(2 * i + 1));
			js_setindex(J, arr, (int)(2 * j + 1));
		}
		j++;
	}
	m->n = j;
	js_pushnumber(J, 2.0 * j);
	js_setproperty(J, arr, "length");
	reindex(J, m);
}

/* Push the hidden array of the Map/Set at idx; its stack slot. */
static int
data_of(js_State *J, int idx)
{
	js_getproperty(J, idx, MAP_DATA);
	return js_gettop(J) - 1;
}

/* Set key (at kidx) to the value at vidx in m, the Map/Set at midx. */
static void
put(js_State *J, struct mapset *m, int midx, int kidx, int vidx)
{
	struct mkey	k;
	long		i;
	int		arr, top = js_gettop(J);

	kidx = kidx < 0 ? kidx + top : kidx;
	vidx = vidx < 0 ? vidx + top : vidx;
	key_of(J, kidx, &k);
	arr = data_of(J, midx);
	if ((i = find(J, m, arr, kidx, &k, NULL)) >= 0) {
		js_copy(J, vidx);
		js_setindex(J, arr, (int)(2 * i + 1));
		js_pop(J, 1);
		return;
	}
	if (m->n == m->ecap) {
		uint32_t	 cap = m->ecap == 0 ? 8 : m->ecap * 2;
		struct mentry	*e;

		if (cap > (UINT32_MAX >> 2) || (e = realloc(m->e,
		    cap * sizeof(*e))) == NULL)
			js_rangeerror(J, "Map maximum size exceeded");
		m->e = e;
		m->ecap = cap;
	}
	if ((m->used + 1) * 2 > m->nslot)
		reindex(J, m);
	js_copy(J, kidx);
	js_setindex(J, arr, (int)(2 * m->n));
	js_copy(J, vidx);
	js_setindex(J, arr, (int)(2 * m->n + 1));
	m->e[m->n].key = k;
	m->e[m->n].dead = 0;
	place(m, m->n);
	m->n++;
	m->live++;
	js_pop(J, 1);
}

/* Remove the key at kidx; whether it was there. */
static int
del(js_State *J, struct mapset *m, int midx, int kidx)
{
	struct mkey	k;
	uint32_t	s;
	long		i;
	int		arr;

	key_of(J, kidx, &k);
	arr = data_of(J, midx);
	if ((i = find(J, m, arr, kidx, &k, &s)) < 0) {
		js_pop(J, 1);
		return 0;
	}
	m->slot[s] = MAP_GONE;
	m->e[i].dead = 1;
	m->live--;
	js_pushundefined(J);
	js_setindex(J, arr, (int)(2 * i));
	js_pushundefined(J);
	js_setindex(J, arr, (int)(2 * i + 1));
	if (!m->iterating && m->n > 16 && m->live * 2 < m->n)
		compact(J, m, arr);
	js_pop(J, 1);
	return 1;
}

static void
clear(js_State *J, struct mapset *m, int midx)
{
	uint32_t	i;
	int		arr = data_of(J, midx);

	for (i = 0; i < m->n; i++)
		m->e[i].dead = 1;
	m->live = 0;
	if (m->nslot > 0)
		memset(m->slot, 0, m->nslot * sizeof(*m->slot));
	m->used = 0;
	if (!m->iterating)
		m->n = 0;
	js_pushnumber(J, m->iterating ? 2.0 * m->n : 0);
	js_setproperty(J, arr, "length");
	js_pop(J, 1);
}

/*
 * Push a new empty Map (set 0) or Set (set 1) with the prototype on top
 * of the stack, which it replaces. Throws when out of memory.
 */
static struct mapset *
create(js_State *J, int set)
{
	struct mapset	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		js_error(J, "out of memory");
	m->set = set;
	js_newuserdata(J, map_tags[set], m, map_finalize);
	js_newarray(J);
	js_defproperty(J, -2, MAP_DATA, JS_DONTENUM | JS_READONLY |
	    JS_DONTCONF);
	return m;
}

/*
 * Push a new empty Map (set 0) or Set (set 1) with the global
 * constructor's prototype as it was installed. May throw.
 */
void
builtins_map_new(js_State *J, int set)
{
	js_getregistry(J, map_tags[set]);
	create(J, set);
}

/*
 * Add to the Map/Set at idx: key and value on top (a Set takes the key
 * only, the value is ignored); pops both. May throw.
 */
void
builtins_map_put(js_State *J, int idx)
{
	int		top = js_gettop(J);
	int		set = js_isuserdata(J, idx, "Set");
	struct mapset	*m = js_touserdata(J, idx, map_tags[set]);

	if (idx < 0)
		idx += top;
	put(J, m, idx, top - 2, set ? top - 2 : top - 1);
	js_pop(J, 2);
}

/*
 * Push an array of the live entries of the Map/Set at idx, flattened:
 * [k0, v0, k1, v1...] for a Map, [v0, v1...] for a Set. May throw.
 */
void
builtins_map_items(js_State *J, int idx)
{
	int		set = js_isuserdata(J, idx, "Set"), arr, out, j = 0;
	struct mapset	*m = js_touserdata(J, idx, map_tags[set]);
	uint32_t	 i;

	arr = data_of(J, idx);
	js_newarray(J);
	out = arr + 1;
	for (i = 0; i < m->n; i++) {
		if (m->e[i].dead)
			continue;
		js_getindex(J, arr, (int)(2 * i));
		js_setindex(J, out, j++);
		if (!set) {
			js_getindex(J, arr, (int)(2 * i + 1));
			js_setindex(J, out, j++);
		}
	}
	js_rot2pop1(J);
}

static void
fn_get(js_State *J)
{
	struct mapset	*m = self(J, 0, "get");
	struct mkey	 k;
	long		 i;
	int		 arr;

	key_of(J, 1, &k);
	arr = data_of(J, 0);
	if ((i = find(J, m, arr, 1, &k, NULL)) >= 0)
		js_getindex(J, arr, (int)(2 * i + 1));
	else
		js_pushundefined(J);
}

static void
fn_set(js_State *J)
{
	put(J, self(J, 0, "set"), 0, 1, 2);
	js_copy(J, 0);
}

static void
fn_add(js_State *J)
{
	put(J, self(J, 1, "add"), 0, 1, 1);
	js_copy(J, 0);
}

static void
has(js_State *J, int set)
{
	struct mapset	*m = self(J, set, "has");
	struct mkey	 k;

	key_of(J, 1, &k);
	js_pushboolean(J, find(J, m, data_of(J, 0), 1, &k, NULL) >= 0);
}

static void fn_map_has(js_State *J) { has(J, 0); }
static void fn_set_has(js_State *J) { has(J, 1); }

static void
fn_map_delete(js_State *J)
{
	js_pushboolean(J, del(J, self(J, 0, "delete"), 0, 1));
}

static void
fn_set_delete(js_State *J)
{
	js_pushboolean(J, del(J, self(J, 1, "delete"), 0, 1));
}

static void
fn_map_clear(js_State *J)
{
	clear(J, self(J, 0, "clear"), 0);
	js_pushundefined(J);
}

static void
fn_set_clear(js_State *J)
{
	clear(J, self(J, 1, "clear"), 0);
	js_pushundefined(J);
}

static void
fn_map_size(js_State *J)
{
	js_pushnumber(J, self(J, 0, "size")->live);
}

static void
fn_set_size(js_State *J)
{
	js_pushnumber(J, self(J, 1, "size")->live);
}

/*
 * forEach(cb, thisArg): cb(value, key, this) for each live entry in
 * order, entries added meanwhile included. m stays pinned (no
 * compaction) while it runs, also when cb throws.
 */
static void
for_each(js_State *J, int set)
{
	struct mapset	*m = self(J, set, "forEach");
	uint32_t	 i;
	int		 arr;

	if (!js_iscallable(J, 1))
		js_typeerror(J, "%s is not a function", js_typeof(J, 1));
	arr = data_of(J, 0);
	m->iterating++;
	if (js_try(J)) {
		m->iterating--;
		js_throw(J);
	}
	for (i = 0; i < m->n; i++) {
		if (m->e[i].dead)
			continue;
		js_copy(J, 1);
		js_copy(J, 2);
		js_getindex(J, arr, (int)(2 * i + 1));
		js_getindex(J, arr, (int)(2 * i));
		js_copy(J, 0);
		js_call(J, 3);
		js_pop(J, 1);
	}
	js_endtry(J);
	m->iterating--;
	js_pushundefined(J);
}

static void fn_map_foreach(js_State *J) { for_each(J, 0); }
static void fn_set_foreach(js_State *J) { for_each(J, 1); }

/*
 * Push an array of the keys (0), values (1) or [key, value] pairs (2)
 * of m, the Map/Set at slot idx.
 */
static void
listing(js_State *J, const struct mapset *m, int idx, int what)
{
	uint32_t	 i;
	int		 arr = data_of(J, idx), j = 0, set = m->set;

	js_newarray(J);
	for (i = 0; i < m->n; i++) {
		if (m->e[i].dead)
			continue;
		if (what == 2) {
			js_newarray(J);
			js_getindex(J, arr, (int)(2 * i));
			js_setindex(J, -2, 0);
			js_getindex(J, arr, (int)(2 * i + (set ? 0 : 1)));
			js_setindex(J, -2, 1);
		} else
			js_getindex(J, arr, (int)(2 * i + (set ? 0 : what)));
		js_setindex(J, -2, j++);
	}
	js_rot2pop1(J);
}

static void
fn_map_keys(js_State *J)
{
	listing(J, self(J, 0, "keys"), 0, 0);
}

static void fn_map_values(js_State *J)
{
	listing(J, self(J, 0, "values"), 0, 1);
}

static void fn_map_entries(js_State *J)
{
	listing(J, self(J, 0, "entries"), 0, 2);
}

static void fn_set_values(js_State *J)
{
	listing(J, self(J, 1, "values"), 0, 1);
}

static void fn_set_entries(js_State *J)
{
	listing(J, self(J, 1, "entries"), 0, 2);
}


static void
fn_map_call(js_State *J)
{
	js_typeerror(J, "Constructor Map requires 'new'");
}

static void
fn_set_call(js_State *J)
{
	js_typeerror(J, "Constructor Set requires 'new'");
}

/*
 * Fill the new Map/Set at slot 2 from the argument at slot 1: another
 * Map or Set (its entries; a Map into a Set adds [k, v] pairs), or an
 * array-like of values (Set) or of [key, value] objects (Map).
 */
static void
fill(js_State *J, int set)
{
	struct mapset	*m = js_touserdata(J, 2, map_tags[set]);
	int		 len, i, src;

	if (js_isundefined(J, 1) || js_isnull(J, 1))
		return;
	if (js_isuserdata(J, 1, "Map"))
		listing(J, js_touserdata(J, 1, "Map"), 1, 2);
	else if (js_isuserdata(J, 1, "Set"))
		listing(J, js_touserdata(J, 1, "Set"), 1, 1);
	else
		js_copy(J, 1);
	src = js_gettop(J) - 1;
	len = js_getlength(J, src);
	for (i = 0; i < len; i++) {
		js_getindex(J, src, i);
		if (set) {
			put(J, m, 2, -1, -1);
		} else {
			if (!js_isobject(J, -1))
				js_typeerror(J, "Iterator value %s is not an "
				    "entry object", js_tostring(J, -1));
			js_getindex(J, -1, 0);
			js_getindex(J, -2, 1);
			put(J, m, 2, -2, -1);
			js_pop(J, 2);
		}
		js_pop(J, 1);
	}
	js_pop(J, 1);
}

static void
construct(js_State *J, int set)
{
	js_currentfunction(J);
	js_getproperty(J, -1, "prototype");
	js_rot2pop1(J);
	create(J, set);		/* slots: null this, argument, the object */
	fill(J, set);
}

static void fn_map_new(js_State *J) { scope_arity(J, 1); construct(J, 0); }
static void fn_set_new(js_State *J) { scope_arity(J, 1); construct(J, 1); }

/* Define the globals Map and Set. 0. */
int
builtins_map_install(struct worker *w)
{
	js_State	*J = w->J;

	js_newobject(J);
	scope_method(J, "get", fn_get, 1);
	scope_method(J, "set", fn_set, 2);
	scope_method(J, "has", fn_map_has, 1);
	scope_method(J, "delete", fn_map_delete, 1);
	scope_method(J, "clear", fn_map_clear, 0);
	scope_method(J, "forEach", fn_map_foreach, 1);
	scope_method(J, "keys", fn_map_keys, 0);
	scope_method(J, "values", fn_map_values, 0);
	scope_method(J, "entries", fn_map_entries, 0);
	scope_getter(J, "size", fn_map_size);
	scope_constructor(J, "Map", fn_map_call, fn_map_new, 0);
	js_defglobal(J, "Map", JS_DONTENUM);

	js_newobject(J);
	scope_method(J, "add", fn_add, 1);
	scope_method(J, "has", fn_set_has, 1);
	scope_method(J, "delete", fn_set_delete, 1);
	scope_method(J, "clear", fn_set_clear, 0);
	scope_method(J, "forEach", fn_set_foreach, 1);
	scope_method(J, "values", fn_set_values, 0);
	scope_method(J, "keys", fn_set_values, 0);
	scope_method(J, "entries", fn_set_entries, 0);
	scope_getter(J, "size", fn_set_size);
	scope_constructor(J, "Set", fn_set_call, fn_set_new, 0);
	js_defglobal(J, "Set", JS_DONTENUM);
	return 0;
}
