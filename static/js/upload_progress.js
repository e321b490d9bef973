// Upload with progress: a form marked [data-upload-progress] is sent with XMLHttpRequest so that a
// <progress> can follow the bytes sent. The server answers as it would the plain form post (a
// redirect to the delivery's page, or the form again with its errors) and that page is shown in
// place, address included. Without JavaScript, or in a browser without XMLHttpRequest upload
// events, the form simply posts as usual.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !("upload" in new XMLHttpRequest())) { return; }

  function show(form, percent, text) {
    var status = form.querySelector("[data-upload-status]");
    if (!status) { return; }
    status.hidden = false;
    var bar = status.querySelector("progress");
    if (percent === null) { bar.removeAttribute("value"); } else { bar.value = percent; }
    status.querySelector("[data-upload-text]").textContent = text;
  }

  function replacePage(html, url) {
    // The answer a plain post would have shown (the delivery's page after the redirect, or the
    // form again with its errors): its main content replaces this page's, and the address follows.
    var next = new DOMParser().parseFromString(html, "text/html");
    var main = next.querySelector("main");
    if (!main) { document.open(); document.write(html); document.close(); return; }
    main = document.adoptNode(main);
    document.querySelector("main").replaceWith(main);
    document.title = next.title;
    if (url && url !== window.location.href) { window.history.replaceState(null, "", url); }
    if (window.htmx) { window.htmx.process(main); }  // the progress bar polls with htmx
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload-progress")) { return; }
    event.preventDefault();
    var text = form.querySelector("[data-upload-text]");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        var percent = Math.floor((progress.loaded * 100) / progress.total);
        show(form, percent, text.dataset.sending + " " + percent + " %");
      }
    });
    xhr.upload.addEventListener("load", function () { show(form, null, text.dataset.received); });
    xhr.addEventListener("load", function () { replacePage(xhr.responseText, xhr.responseURL); });
    xhr.addEventListener("error", function () {
      show(form, 0, text.dataset.failed);
      if (button) { button.disabled = false; }
    });
    if (button) { button.disabled = true; }
    show(form, 0, text.dataset.sending);
    xhr.send(new FormData(form));
  });
})();
