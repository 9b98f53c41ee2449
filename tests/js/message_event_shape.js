// message_event_shape.js: the message events a worker receives (at the
// global scope and on a MessagePort) own only data; their other members,
// timeStamp too, come from the prototypes' getters, which answer nothing
// for objects that are not such events (timeStamp throws, as in
// browsers). A constructed MessageEvent keeps its own members.
var out = [];
function shape(e) {
	return [Object.keys(e).join(','), e.type, e.data, e.origin,
	    e.lastEventId, e.source, e.ports.length, e.ports === e.ports,
	    e.bubbles, e.cancelable, e.composed,
	    Object.getPrototypeOf(e) === MessageEvent.prototype, e.isTrusted,
	    typeof e.timeStamp, e.timeStamp === e.timeStamp];
}
onmessage = function (e) {
	var ch = new MessageChannel();

	out.push(shape(e));
	out.push(shape(new MessageEvent('message', { data: 2 })));
	var fake = Object.create(MessageEvent.prototype), threw = false;
	try { fake.timeStamp; } catch (x) { threw = x instanceof TypeError; }
	out.push([fake.origin, threw]);
	ch.port2.onmessage = function (ev) {
		out.push(shape(ev));
		postMessage(out);
		close();
	};
	ch.port1.postMessage(3);
};
