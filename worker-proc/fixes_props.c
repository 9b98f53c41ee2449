/*
 * fixes_props.c: own properties as ES5 says, where mujs 1.3.2 errs.
 *
 * - Object.getOwnPropertyDescriptor describes inherited properties ({},
 *   "toString"), and none of the own ones mujs keeps outside an object's
 *   property tree: a dense array's elements and length, a String
 *   object's characters and length, a RegExp's source, flags and
 *   lastIndex (ES5 15.2.3.3, 15.4.5, 15.5.5, 15.10.7).
 * - hasOwnProperty denies length and those RegExp properties (15.2.4.5).
 * - Error.prototype and the NativeError prototypes have no message ""
 *   (15.11.4.3, 15.11.7.10): new Error().message was undefined.
 *
 * The tree is asked directly (libmujs's jsV_getownproperty), so no
 * getter runs and nothing inherited passes for own; the elements kept
 * outside it are for mujs's own hasOwnProperty to judge, which knows
 * them. Structured clone asks the same questions (fixes_own,
 * fixes_own_data).
 */
#include <stdint.h>
#include <string.h>

#include "clone.h"
#include "worker.h"

#define PROPS_HAS_OWN	"wwd.props.hasOwnProperty"	/* registry: */
#define PROPS_DESCRIBE	"wwd.props.getOwnPropertyDescriptor" /* mujs's */

/* Whether the object at slot obj (from the bottom) has name in its tree. */
static int
in_tree(js_State *J, int obj, const char *name)
{
	return jsV_getownproperty(J, js_toobject(J, obj), name) != NULL;
}

/*
 * Whether name is an own element that mujs keeps outside the tree, of a
 * dense array or a String object at slot obj.
 */
static int
flat_own(js_State *J, int obj, const char *name)
{
	uint32_t	i;
	int		own;

	if ((!js_isarray(J, obj) && !js_isstringobject(J, obj)) ||
	    !fixes_array_index(name, &i))
		return 0;
	js_getregistry(J, PROPS_HAS_OWN);
	js_copy(J, obj);
	js_pushstring(J, name);
	js_call(J, 1);
	own = js_toboolean(J, -1);
	js_pop(J, 1);
	return own;
}

/*
 * Whether the object at slot obj has name as an own property that mujs
 * neither keeps in its tree nor counts as own: an array's or String
 * object's length, a RegExp's source, flags or lastIndex. *atts gets its
 * JS_READONLY, JS_DONTENUM and JS_DONTCONF bits.
 */
static int
virtual_own(js_State *J, int obj, const char *name, int *atts)
{
	static const char *const flags[] = { "source", "global", "ignoreCase",
				    "multiline" };
	size_t			 k;

	if (js_isarray(J, obj) && strcmp(name, "length") == 0) {
		*atts = JS_DONTENUM | JS_DONTCONF;
		return 1;
	}
	*atts = JS_READONLY | JS_DONTENUM | JS_DONTCONF;
	if (js_isstringobject(J, obj))
		return strcmp(name, "length") == 0;
	if (!js_isregexp(J, obj))
		return 0;
	for (k = 0; k < sizeof flags / sizeof flags[0]; k++)
		if (strcmp(name, flags[k]) == 0)
			return 1;
	*atts = JS_DONTENUM | JS_DONTCONF;
	return strcmp(name, "lastIndex") == 0;
}

/* Whether the object at slot obj (from the bottom) has own property name. */
int
fixes_own(js_State *J, int obj, const char *name)
{
	int	atts;

	return in_tree(J, obj, name) || flat_own(J, obj, name) ||
	    virtual_own(J, obj, name, &atts);
}

/* Object.prototype.hasOwnProperty(V) */
static void
fn_has_own(js_State *J)
{
	const char	*name = js_tostring(J, 1);

	fixes_to_object(J, 0);
	js_pushboolean(J, fixes_own(J, 0, name));
}

/* Object.getOwnPropertyDescriptor(O, P) */
static void
fn_own_descriptor(js_State *J)
{
	const char	*name;
	int		 atts;

	if (!js_isobject(J, 1))
		js_typeerror(J, "Object.getOwnPropertyDescriptor: not an "
		    "object");
	name = js_tostring(J, 2);
	if (in_tree(J, 1, name)) {
		/* mujs's looks up the chain: the own one comes first. */
		js_getregistry(J, PROPS_DESCRIBE);
		js_pushundefined(J);
		js_copy(J, 1);
		js_copy(J, 2);
		js_call(J, 2);
		return;
	}
	if (flat_own(J, 1, name))
		atts = js_isarray(J, 1) ? 0 : JS_READONLY | JS_DONTCONF;
	else if (!virtual_own(J, 1, name, &atts)) {
		js_pushundefined(J);
		return;
	}
	js_newobject(J);
	js_getproperty(J, 1, name);
	js_setproperty(J, -2, "value");
	js_pushboolean(J, !(atts & JS_READONLY));
	js_setproperty(J, -2, "writable");
	js_pushboolean(J, !(atts & JS_DONTENUM));
	js_setproperty(J, -2, "enumerable");
	js_pushboolean(J, !(atts & JS_DONTCONF));
	js_setproperty(J, -2, "configurable");
}

/*
 * If the object at slot obj (from the bottom) has name as an own data
 * property in its tree, push its value and return 1, without calling a
 * getter; else 0, nothing pushed. Structured clone reads an Error's
 * message so (HTML, StructuredSerializeInternal).
 */
int
fixes_own_data(js_State *J, int obj, const char *name)
{
	if (!in_tree(J, obj, name))
		return 0;
	js_getregistry(J, PROPS_DESCRIBE);
	js_pushundefined(J);
	js_copy(J, obj);
	js_pushstring(J, name);
	js_call(J, 2);
	if (!in_tree(J, js_gettop(J) - 1, "value")) {
		js_pop(J, 1);	/* an accessor's descriptor */
		return 0;
	}
	js_getproperty(J, -1, "value");
	js_rot2pop1(J);
	return 1;
}

/* Put the replacements in place; mujs's own stay in the registry. */
void
fixes_props_install(struct worker *w)
{
	js_State	*J = w->J;
	size_t		 i;

	js_getglobal(J, "Object");
	js_getproperty(J, -1, "prototype");
	js_getproperty(J, -1, "hasOwnProperty");
	js_setregistry(J, PROPS_HAS_OWN);
	scope_method(J, "hasOwnProperty", fn_has_own, 1);
	js_pop(J, 1);
	js_getproperty(J, -1, "getOwnPropertyDescriptor");
	js_setregistry(J, PROPS_DESCRIBE);
	scope_method(J, "getOwnPropertyDescriptor", fn_own_descriptor, 2);
	js_pop(J, 1);
	for (i = 0; i < CLONE_NERRORS; i++) {
		js_getglobal(J, clone_errors[i]);
		js_getproperty(J, -1, "prototype");
		js_pushliteral(J, "");
		js_defproperty(J, -2, "message", JS_DONTENUM);
		js_pop(J, 2);
	}
}
