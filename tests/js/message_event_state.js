// message_event_state.js: a message event handed to onmessage alone
// (the worker's direct path) reads as a trusted event being dispatched
// while its listener and the microtasks after it run, and as a
// finished one later, whether or not it was looked at meanwhile.
var out = [], first, second;
onmessage = function (e) {
	var again;
	if (e.data === 'a') {
		first = e;
		try { dispatchEvent(e); again = 'dispatched'; }
		catch (x) { again = x.name; }
		e.stopPropagation();
		out.push([e.type, e.data, e.origin, e.lastEventId, e.source,
		    e.ports.length, e.target === self, e.currentTarget === self,
		    e.eventPhase, e.isTrusted, e.defaultPrevented, e.bubbles,
		    e.cancelable, e.cancelBubble, typeof e.timeStamp,
		    e instanceof MessageEvent, again]);
		Promise.resolve().then(function () {
			out.push(['micro', e.currentTarget === self]);
		});
	} else if (e.data === 'b') {
		second = e;
	} else {
		out.push([first.currentTarget, first.eventPhase,
		    first.isTrusted, first.cancelBubble, second.currentTarget,
		    second.eventPhase, second.isTrusted, second.target === self,
		    second.timeStamp >= first.timeStamp]);
		onmessage = null;
		addEventListener('message', function (ev) {
			out.push(['listener', ev.isTrusted, ev.data]);
		});
		dispatchEvent(second);
		postMessage(out);
		close();
	}
};
