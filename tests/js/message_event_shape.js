// message_event_shape.js: the message events a worker receives (at the
// global scope and on a MessagePort) own only data and timeStamp; their
// other members come from MessageEvent.prototype's getters, which
// answer nothing for objects that are not such events. A constructed
// MessageEvent keeps its own members.
var out = [];
function shape(e) {
	return [Object.keys(e).join(','), e.type, e.data, e.origin,
	    e.lastEventId, e.source, e.ports.length, e.ports === e.ports,
	    e.bubbles, e.cancelable, e.composed,
	    Object.getPrototypeOf(e) === MessageEvent.prototype, e.isTrusted];
}
onmessage = function (e) {
	var ch = new MessageChannel();

	out.push(shape(e));
	out.push(shape(new MessageEvent('message', { data: 2 })));
	out.push([Object.create(MessageEvent.prototype).origin]);
	ch.port2.onmessage = function (ev) {
		out.push(shape(ev));
		postMessage(out);
		close();
	};
	ch.port1.postMessage(3);
};
