// Refresh the figures of a live page without reloading it. Everything else works without this.
(function () {
  "use strict";
  var live = document.querySelector("[data-live-seconds]");
  if (!live || !window.fetch) {
    return;
  }
  var seconds = Math.max(10, Number(live.getAttribute("data-live-seconds")) || 30);
  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(window.location.href, {
      headers: { "X-Console-Fragment": "figures" },
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok || response.redirected) {
        throw new Error("not refreshed");
      }
      return response.text();
    }).then(function (html) {
      live.innerHTML = html;
    }).catch(function () {
      // Keep the figures shown; the next round tries again.
    });
  }
  window.setInterval(refresh, seconds * 1000);
})();
