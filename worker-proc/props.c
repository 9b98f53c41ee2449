/*
 * props.c: defining a property an object already has writes only that
 * property. mujs keeps an object's properties in an AA tree, and
 * jsV_setproperty, which every define and every new assignment goes
 * through, runs the tree's insert. That insert assigns the child
 * pointers of every node on the search path even when it finds the name.
 * In a forked worker those nodes sit on pages shared with the template,
 * so each define of an existing global made private copies of several of
 * them. libmujs calls jsV_setproperty through its PLT, so wwd-worker
 * defines it (as intern.c does js_intern): a property the object already
 * has is found by a lookup, which writes nothing, and returned as mujs's
 * insert would return it; only a new name goes to mujs's own. That lets
 * the template define placeholders for the globals each worker fills in
 * (scope_prepare). If libmujs ever binds the call internally, this is
 * not called and nothing changes.
 */
#include "worker.h"

/* Exported by libmujs (jsvalue.h), not declared in mujs.h. */
void	**jsV_setproperty(js_State *, struct js_Object *, const char *);

static void	**(*props_real)(js_State *, struct js_Object *, const char *);

/* mujs's jsV_setproperty, without rewriting the tree for a known name. */
void **
jsV_setproperty(js_State *J, struct js_Object *obj, const char *name)
{
	void	**p;

	if ((p = jsV_getownproperty(J, obj, name)) != NULL)
		return p;
	if (props_real == NULL)
		props_real = (void **(*)(js_State *, struct js_Object *,
		    const char *))fixes_libmujs("jsV_setproperty");
	return props_real(J, obj, name);
}
