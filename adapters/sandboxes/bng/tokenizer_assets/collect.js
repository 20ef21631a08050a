/* The BNG sandbox's tokenizer, in the style of NMI's Collect.js (written for this sandbox).
 *
 *   <script src="{gateway}/token/Collect.js" data-tokenization-key="{public key}"></script>
 *   CollectJS.configure({
 *     fields: {ccnumber: {selector: "#ccnumber", title: "Card number"}, ccexp: {...}, cvv: {...}},
 *     callback: function (response) { response.token ... },       // one-use payment token
 *     validationCallback: function (field, valid, message) { ... } // optional
 *   });
 *   CollectJS.startPaymentRequest();
 *
 * Each field is an iframe of the gateway's origin: the page that loads this script never sees
 * a card or account number, only the token, the brand and a masked number.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var key = script.getAttribute("data-tokenization-key") || "";
  var source = new URL(script.src, document.baseURI);
  var base = source.href.replace(/\/token\/Collect\.js(\?.*)?$/, "");
  var origin = source.origin;
  var config = null;
  var frames = {};

  function configure(options) {
    config = options || {};
    var fields = config.fields || {};
    Object.keys(fields).forEach(function (name) {
      var host = document.querySelector(fields[name].selector);
      if (!host || frames[name]) { return; }
      var frame = document.createElement("iframe");
      frame.src = base + "/token/frame/" + encodeURIComponent(name);
      frame.name = "CollectJS" + name;
      frame.id = "CollectJS" + name;
      frame.title = fields[name].title || name;
      frame.setAttribute("frameborder", "0");
      host.appendChild(frame);
      frames[name] = frame;
    });
  }

  function startPaymentRequest(names) {
    var wanted = names || Object.keys(frames).filter(function (name) {
      return frames[name].offsetParent !== null; // only the fields shown
    });
    if (!wanted.length) { return; }
    frames[wanted[0]].contentWindow.postMessage(
      { collectjs: "collect", fields: wanted, tokenization_key: key }, origin);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.collectjs !== "response") { return; }
    if (event.data.error) {
      if (config && config.validationCallback) {
        config.validationCallback(event.data.field || "", false, event.data.error);
      }
      return;
    }
    if (config && config.callback) { config.callback(event.data.response); }
  });

  window.CollectJS = { configure: configure, startPaymentRequest: startPaymentRequest };
})();
