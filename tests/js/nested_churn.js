// nested_churn.js: nested workers that end at once (test_shared.c).
var i;

for (i = 0; i < 5; i++)
	new Worker('data:,close()');
postMessage('made');
