/*
 * intern.c: a read-only front for mujs's string interning, so that a
 * forked worker does not write to the pages it shares with the template.
 * mujs keeps interned strings (every property name, every identifier)
 * in one AA tree, and its insert writes the child pointers of every node
 * on the search path even when the string is already there: each of a
 * new worker's ~150 look-ups dirtied a dozen nodes spread over the
 * template's heap (about 70 pages, 280 KiB per idle worker). This file
 * defines js_intern in wwd-worker, which libmujs calls through its PLT:
 * a string seen before is answered from a hash table of the pointers
 * mujs returned, read only; a new one in the template goes to mujs's
 * own js_intern and is added. The table belongs to the process's one js_State and is built
 * in the template and frozen there. A string new to a worker never
 * enters mujs's tree at all, whose insert would dirty the same shared
 * nodes: the worker copies it into its own heap (js_malloc, so the
 * memory cap counts it) and keeps it in a small table of its own until
 * the state is gone. A process has one js_State, so one set of tables.
 * If libmujs ever binds js_intern internally, this is simply not called
 * and nothing changes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

#define INTERN_MIN	256	/* slots at first; a power of two */

/* An open-addressing set of interned strings. */
struct intern_table {
	const char	**slot;		/* interned strings or NULL */
	size_t		  cap;		/* slots, a power of two */
	size_t		  used;
};

/*
 * shared: built before the fork and then only read (intern_freeze);
 * local: what this worker added after it, copies it owns.
 */
static struct intern_table	intern_shared, intern_local;
static struct intern_table	*intern_adds = &intern_shared;

static const char	*(*intern_real)(js_State *, const char *);

/* Exported by libmujs (jsi.h), not declared in mujs.h: throws if out. */
void	*js_malloc(js_State *, int);

/*
 * Between intern_scratch(1) and (0), a string not interned yet is
 * answered from one buffer instead of being interned for good: see
 * intern_scratch.
 */
static int		 intern_scratching;
static char		 intern_buf[64];

static size_t
intern_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return (size_t)(h ^ h >> 29);
}

/* The slot of t holding s, or the empty one where it would go. */
static size_t
intern_find(const struct intern_table *t, const char *s)
{
	size_t	i = intern_hash(s) & (t->cap - 1);

	while (t->slot[i] != NULL && strcmp(t->slot[i], s) != 0)
		i = (i + 1) & (t->cap - 1);
	return i;
}

/* s as interned already, or NULL. */
static const char *
intern_get(const struct intern_table *t, const char *s)
{
	return t->cap > 0 ? t->slot[intern_find(t, s)] : NULL;
}

/* Make room in t for n more strings (load at most 1/2). 0 or -1. */
static int
intern_room(struct intern_table *t, size_t n)
{
	const char	**old = t->slot;
	size_t		  oldcap = t->cap, cap = t->cap, i;

	if (cap == 0)
		cap = INTERN_MIN;
	while ((t->used + n) * 2 > cap)
		cap *= 2;
	if (cap == t->cap)
		return 0;
	if ((t->slot = calloc(cap, sizeof *t->slot)) == NULL) {
		t->slot = old;
		return -1;
	}
	t->cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i] != NULL)
			t->slot[intern_find(t, old[i])] = old[i];
	free(old);
	return 0;
}

/*
 * From now on only read the strings interned so far; later ones are
 * kept apart (the template calls this before it forks).
 */
void
intern_freeze(void)
{
	intern_adds = &intern_local;
}

/*
 * Identity refs: js_ref names an object by its address ("%p") and
 * interns that name, and mujs never frees interned strings, so a worker
 * that clones or keys Maps by ever new objects would keep every address
 * it ever used. A ref taken and dropped at once (clone_id) needs its
 * name only meanwhile (mujs compares property names with strcmp): with
 * on set, js_intern answers a new string from one buffer, valid until
 * the next such answer. The caller must turn it off again, also when
 * mujs throws.
 */
void
intern_scratch(int on)
{
	intern_scratching = on;
}

/*
 * mujs's js_intern, answered from the tables when it can: the interned
 * copy of s, valid until js_freestate (and intern_clear).
 */
const char *
js_intern(js_State *J, const char *s)
{
	const char	*r;
	char		*copy;
	size_t		 len;

	if (intern_real == NULL)
		intern_real = (const char *(*)(js_State *, const char *))
		    fixes_libmujs("js_intern");
	if ((r = intern_get(&intern_shared, s)) != NULL ||
	    (r = intern_get(&intern_local, s)) != NULL)
		return r;
	len = strlen(s);
	if (intern_scratching && len < sizeof intern_buf) {
		if (s != intern_buf)
			memcpy(intern_buf, s, len + 1);
		return intern_buf;
	}
	/* Without room the string is just not remembered: mujs keeps it. */
	if (intern_room(intern_adds, 1) < 0)
		return intern_real(J, s);
	if (intern_adds == &intern_shared)
		r = intern_real(J, s);	/* throws (longjmp) out of memory */
	else {
		copy = js_malloc(J, (int)(len + 1));	/* throws too */
		r = memcpy(copy, s, len + 1);
	}
	intern_adds->slot[intern_find(intern_adds, r)] = r;
	intern_adds->used++;
	return r;
}

/*
 * Forget the tables and free the worker's own strings into h, the heap
 * they came from (after js_freestate, before sandbox_heap_clear).
 */
void
intern_clear(struct sandbox_heap *h)
{
	size_t	i;

	for (i = 0; i < intern_local.cap; i++)
		if (intern_local.slot[i] != NULL)
			sandbox_alloc(h, (void *)(uintptr_t)intern_local.slot[i],
			    0);
	free(intern_shared.slot);
	free(intern_local.slot);
	memset(&intern_shared, 0, sizeof intern_shared);
	memset(&intern_local, 0, sizeof intern_local);
	intern_adds = &intern_shared;
}
