// Doomed messages (HTML's postMessage steps): one posted on a closed
// port, and one that carries the peer of the port it is posted on, here
// by a worker that received the two ends apart and cannot tell they
// are a pair. Either is dropped, its ports detached and closed, and the
// sender carries on (wwd cut off the second kind of sender before, and
// the first kept its ports).
var child = new Worker('data:,var got=[];onmessage=function(e){' +
    'got.push(e.ports[0]);if(got.length===2){' +
    'got[0].postMessage("x",[got[1]]);postMessage("posted")}' +
    'else if(got.length>2)postMessage("pong")};');
var a = new MessageChannel(), b = new MessageChannel(), mc;
var r = [];

a.port1.close();
a.port1.postMessage('x', [b.port2]);
try {
	a.port2.postMessage('y', [b.port2]);
	r.push('transferred again');
} catch (e) {
	r.push(e.name);
}
child.onmessage = function (e) {
	r.push(e.data);
	/* After the doomed message: the child is still there. */
	child.postMessage('ping', [new MessageChannel().port1]);
	child.onmessage = function () {
		postMessage(r);
		close();
	};
};
child.onerror = function (e) {
	r.push('error: ' + e.message);
};
mc = new MessageChannel();
child.postMessage(1, [mc.port1]);
child.postMessage(2, [mc.port2]);
