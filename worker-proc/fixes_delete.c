/*
 * fixes_delete.c: mujs 1.3.2 deletes a property wrongly when its node in
 * the object's AA tree has two children. The node takes the name, the
 * attributes and the value of its successor in name order, whose own
 * node is then unlinked, but it keeps its own getter and setter. So
 * deleting one property could make the next one an accessor with the
 * wrong functions, or an accessor a plain value: after `self.x = 1;
 * delete self.x`, `onmessage` could stop being an event handler.
 *
 * libmujs calls jsV_delproperty through its PLT, so wwd-worker defines
 * it (as intern.c does js_intern): it notes the successor's getter and
 * setter, lets mujs's own delete run, and puts them into the node that
 * now holds the successor's name. The layout of a property node (name,
 * left, right, level and attributes, value, getter, setter; the leaves'
 * sentinel is its own left child) is checked once, on a fresh object
 * (fixes_delete_install); if it is not as expected, mujs's delete runs
 * alone, as before.
 */
#include <string.h>

#include "worker.h"

/* A property node's words, in mujs 1.3.2's jsvalue.h. */
enum {
	PROP_NAME,
	PROP_LEFT,
	PROP_RIGHT,
	PROP_GETTER = 6,	/* after level, atts and the 16-byte value */
	PROP_SETTER
};

/* Exported by libmujs (jsi.h, jsvalue.h), not declared in mujs.h. */
void			 jsV_delproperty(js_State *, struct js_Object *,
			    const char *);

static void	(*delete_real)(js_State *, struct js_Object *, const char *);
static int	  delete_layout_ok;

/* Whether node p is the sentinel that stands for every empty subtree. */
static int
is_sentinel(void **p)
{
	return p[PROP_LEFT] == (void *)p;
}

static void
noop(js_State *J)
{
	js_pushundefined(J);
}

/*
 * Check the layout on an object with an accessor property a, whose getter
 * and setter are two new functions, and a data property b (the root's
 * right child). 0, or -1 if the layout is not as expected.
 */
static int
delete_probe(js_State *J)
{
	struct js_Object	*get, *set;
	void			**a, **b;
	int			  ok;

	js_newobject(J);
	js_newcfunction(J, noop, "get", 0);
	js_newcfunction(J, noop, "set", 1);
	get = js_toobject(J, -2);
	set = js_toobject(J, -1);
	js_defaccessor(J, -3, "a", 0);
	js_pushnumber(J, 1);
	js_defproperty(J, -2, "b", 0);
	a = jsV_getownproperty(J, js_toobject(J, -1), "a");
	b = jsV_getownproperty(J, js_toobject(J, -1), "b");
	ok = a != NULL && b != NULL && strcmp(a[PROP_NAME], "a") == 0 &&
	    strcmp(b[PROP_NAME], "b") == 0 && is_sentinel(a[PROP_LEFT]) &&
	    a[PROP_RIGHT] == (void *)b && is_sentinel(b[PROP_RIGHT]) &&
	    a[PROP_GETTER] == (void *)get && a[PROP_SETTER] == (void *)set &&
	    b[PROP_GETTER] == NULL && b[PROP_SETTER] == NULL;
	js_pop(J, 1);
	return ok ? 0 : -1;
}

/*
 * Check the node layout once, in the template (main_prepare). 0, or -1
 * when the layout differs (mujs's own delete stays in use).
 */
int
fixes_delete_install(struct worker *w)
{
	delete_layout_ok = delete_probe(w->J) == 0;
	return delete_layout_ok ? 0 : -1;
}

/* mujs's jsV_delproperty, with the successor's accessors kept. */
void
jsV_delproperty(js_State *J, struct js_Object *obj, const char *name)
{
	void	**x, **s, **moved = NULL, *get = NULL, *set = NULL;

	if (delete_real == NULL)
		delete_real = (void (*)(js_State *, struct js_Object *,
		    const char *))fixes_libmujs("jsV_delproperty");
	x = delete_layout_ok ? jsV_getownproperty(J, obj, name) : NULL;
	if (x != NULL && !is_sentinel(x[PROP_LEFT]) &&
	    !is_sentinel(x[PROP_RIGHT])) {
		for (s = x[PROP_RIGHT]; !is_sentinel(s[PROP_LEFT]);
		    s = s[PROP_LEFT])
			;
		get = s[PROP_GETTER];
		set = s[PROP_SETTER];
		moved = x;	/* where mujs moves s's name, atts, value */
	}
	delete_real(J, obj, name);
	if (moved != NULL) {
		moved[PROP_GETTER] = get;
		moved[PROP_SETTER] = set;
	}
}

