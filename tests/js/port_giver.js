// port_giver.js: holds the port "take" brings, and gives it back at
// "give" only after a busy spell, in which the client's burst for that
// port queues here unread; then it stays busy for another task, so that
// the client has closed the port by the time this worker bounces the
// rest of the burst to wwd (REPOST). Anything else is answered "pong".
var held = null;
function spin(ms) {
	var t = Date.now();
	while (Date.now() - t < ms)
		;
}
onmessage = function (e) {
	if (e.data === 'take') {
		held = e.ports[0];
		postMessage('took');
	} else if (e.data === 'give') {
		spin(200);
		postMessage('here', [held]);
		/* Sent at the end of this task; the busy one comes next. */
		setTimeout(function () { spin(300); }, 0);
	} else
		postMessage('pong');
};
