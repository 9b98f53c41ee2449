// delete_globals.js: globals made and deleted again must leave the event
// handler attributes working. mujs 1.3.2's delete moves the next name
// (in name order) into the deleted node, and left its getter and setter
// behind (fixes_delete.c): onmessage then became a plain property.
var names = [], i;
for (i = 0; i < 100; i++)
	names.push("a" + i, "o" + i, "onmessagd" + i, "onerrpr" + i, "z" + i);
for (i = 0; i < names.length; i++)
	self[names[i]] = i;
for (i = 0; i < names.length; i++)
	delete self[names[i]];
onmessage = function (e) { postMessage(e.data); };
