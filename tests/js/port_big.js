// Posts a 4,000-character string on each port it is sent, then "sent".
onmessage = function (e) {
	e.ports[0].postMessage(new Array(4001).join('x'));
	postMessage('sent');
};
