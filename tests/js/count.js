// count.js: counts the messages it gets; "end" answers how many came.
var n = 0;
onmessage = function (e) {
	if (e.data === "end")
		postMessage(String(n));
	else
		n++;
};
onmessageerror = function () { postMessage("messageerror"); };
onerror = function (e) { postMessage("error: " + e.message); };
