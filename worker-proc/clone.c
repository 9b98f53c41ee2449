/*
 * clone.c: the global structuredClone() of wwd-worker and the checks of
 * a transfer list around a clone (ArrayBuffers detached, MessagePorts
 * renewed). The codec itself is clone_enc.c and clone_dec.c; the names
 * they share are in clone.h.
 */
#include <stdlib.h>
#include <string.h>

#include "clone.h"
#include "worker.h"

/* The Error names that survive a clone; any other becomes "Error". */
const char *const clone_errors[CLONE_NERRORS] = { "Error", "EvalError",
	"RangeError", "ReferenceError", "SyntaxError", "TypeError",
	"URIError" };

/*
 * The identity (address) of the object on top of the stack, which
 * stays. mujs's registry name of an object is its address; the ref is
 * dropped at once, so this is only correct while every js_ref in the
 * program is of an internal object user code never sees (loop.c,
 * events.c). Its name is not interned for good (intern_scratch). Map
 * keys and the clone encoder rely on it.
 */
uintptr_t
clone_id(js_State *J)
{
	const char	*ref;
	uintptr_t	 id;

	js_copy(J, -1);
	intern_scratch(1);
	if (js_try(J)) {
		intern_scratch(0);
		js_throw(J);
	}
	ref = js_ref(J);
	js_endtry(J);
	intern_scratch(0);
	id = (uintptr_t)strtoull(ref, NULL, 16);
	js_unref(J, ref);
	return id;
}

/*
 * The transfer list in argument idx of who (postMessage or
 * structuredClone): a StructuredSerializeOptions dictionary, undefined
 * and null being an empty one, or if seq also a sequence itself (the
 * other postMessage overload), as WebIDL picks between the two. Its
 * stack slot (it may push the dictionary's transfer), or 0 for none.
 * Anything else is a TypeError.
 */
int
clone_transfer_arg(js_State *J, int idx, int seq, const char *who)
{
	if (js_isundefined(J, idx) || js_isnull(J, idx))
		return 0;
	if (seq && js_isarray(J, idx))
		return idx;
	if (!js_isobject(J, idx))
		js_typeerror(J, "Failed to execute '%s': The provided value "
		    "cannot be converted to a %s.", who, seq ? "sequence" :
		    "dictionary");
	js_getproperty(J, idx, "transfer");
	if (js_isarray(J, -1))
		return js_gettop(J) - 1;
	if (!js_isundefined(J, -1))
		js_typeerror(J, "Failed to execute '%s': transfer is not a "
		    "sequence.", who);
	return 0;
}

/*
 * Check the transfer list at stack slot idx before a clone: only
 * ArrayBuffers and MessagePorts held here, none detached, none twice;
 * else DataCloneError. who names the caller.
 */
void
clone_transfer(struct worker *w, int idx, const char *who)
{
	js_State	*J = w->J;
	int		 i, j, n = js_getlength(J, idx);
	size_t		 len;
	int		 detached;

	for (i = 0; i < n; i++) {
		js_getindex(J, idx, i);
		if (js_isuserdata(J, -1, PORTS_TAG))
			ports_check(w, -1, who, i);
		else if (!builtins_buffer_is(J, -1))
			events_throw(w, "DataCloneError", "Failed to execute "
			    "'%s': Value at index %d does not have a "
			    "transferable type.", who, i);
		else {
			builtins_buffer_data(J, -1, &len, &detached);
			if (detached)
				events_throw(w, "DataCloneError", "Failed to "
				    "execute '%s': ArrayBuffer at index %d is "
				    "already detached.", who, i);
		}
		for (j = 0; j < i; j++) {
			js_getindex(J, idx, j);
			js_copy(J, -2);
			if (js_strictequal(J))
				events_throw(w, "DataCloneError", "Failed to "
				    "execute '%s': %s at index %d is a "
				    "duplicate of an earlier one.", who,
				    js_isuserdata(J, -1, PORTS_TAG) ?
				    "MessagePort" : "ArrayBuffer", i);
			js_pop(J, 2);
		}
		js_pop(J, 1);
	}
}

/* Detach every ArrayBuffer of the checked transfer list at idx. */
void
clone_detach(struct worker *w, int idx)
{
	js_State	*J = w->J;
	int		 i, n = js_getlength(J, idx);

	for (i = 0; i < n; i++) {
		js_getindex(J, idx, i);
		if (builtins_buffer_is(J, -1))
			builtins_buffer_detach(J, -1);
		js_pop(J, 1);
	}
}

/*
 * structuredClone(value, options): the same codec both ways, in one
 * process; the ArrayBuffers of options.transfer end up detached, and
 * each MessagePort in it is renewed: the clone holds a new object for
 * the same port (same peer, same queue), the original is neutered.
 */
static void
fn_structured_clone(js_State *J)
{
	struct worker	*w = js_getcontext(J);
	struct ipc_buf	 b;
	const char	*why;
	int		 tidx, i, n, nports = 0;

	if (js_gettop(J) < 2)
		js_pushundefined(J);
	if (js_gettop(J) < 3)
		js_pushundefined(J);
	if ((tidx = clone_transfer_arg(J, 2, 0, "structuredClone")) > 0)
		clone_transfer(w, tidx, "structuredClone");
	ipc_buf_init(&b);
	if (js_try(J)) {
		ipc_buf_clear(&b);
		js_throw(J);
	}
	clone_encode_transfer(w, &b, 1, tidx, "structuredClone");
	js_newarray(J);
	for (i = 0, n = tidx > 0 ? js_getlength(J, tidx) : 0; i < n; i++) {
		js_getindex(J, tidx, i);
		if (js_isuserdata(J, -1, PORTS_TAG)) {
			ports_renew(w, -1);
			js_setindex(J, -3, nports++);
		}
		js_pop(J, 1);
	}
	if (clone_decode_ports(w, ipc_buf_head(&b), ipc_buf_used(&b),
	    js_gettop(J) - 1, &why) < 0)
		events_throw(w, "DataCloneError", "%s", why);
	js_endtry(J);
	ipc_buf_clear(&b);
	if (tidx > 0)
		clone_detach(w, tidx);
}

/* Define the global structuredClone. 0. */
int
clone_install(struct worker *w)
{
	js_State	*J = w->J;

	js_newcfunction(J, fn_structured_clone, "structuredClone", 1);
	js_defglobal(J, "structuredClone", JS_DONTENUM);
	return 0;
}
