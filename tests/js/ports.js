// MessageChannel in a worker, a port moved with queued messages, a
// nested data: worker and a blob: worker (seed 000's pattern).
var ch = new MessageChannel();
ch.port2.onmessage = function (e) {
	if (e.ports.length === 0) {
		postMessage('p2 ' + e.data);
		return;
	}
	e.ports[0].onmessage = function (ev) { postMessage('moved ' + ev.data); };
};
ch.port1.postMessage('a');
ch.port1.postMessage('b');
var c2 = new MessageChannel();
c2.port2.postMessage('queued');
ch.port1.postMessage('with port', [c2.port1]);
c2.port2.postMessage('after');
onmessage = function (e) {
	var w = new Worker('data:,onmessage=function(e){postMessage(e.data*2)}');
	w.onmessage = function (ev) {
		postMessage('child ' + ev.data);
		var b = new Blob(['onmessage=function(e){postMessage(',
		    '"blob "+e.data)}'], { type: 'text/javascript' });
		var w2 = new Worker(URL.createObjectURL(b));
		w2.onmessage = function (ev2) { postMessage(ev2.data); };
		w2.postMessage(b.size);
	};
	w.postMessage(e.data);
};
