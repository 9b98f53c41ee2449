// A MessageChannel whose second port goes to a nested worker (a port
// moving from one worker process to another); the child doubles what
// arrives on it and answers on it; the answers are passed to the owner.
var ch = new MessageChannel();
var child = new Worker('data:,onmessage=function(e){var p=e.ports[0];' +
    'p.onmessage=function(m){p.postMessage(m.data*2)}}');
child.postMessage('port', [ch.port2]);
ch.port1.onmessage = function (e) { postMessage(e.data); };
onmessage = function (e) { ch.port1.postMessage(e.data); };
