// Record a spoken answer in the browser (MediaRecorder) and put it in the form's file field, so the ordinary form
// post sends it. Without this file (or a microphone) the file field alone does. The page holds every word shown
// (data-* attributes, translated), so this file holds no user-visible text.
(function () {
  "use strict";
  // Ogg/Opus where the browser records it (Firefox); WebM/Opus elsewhere (Chromium): the server takes both.
  var TYPES = [["audio/ogg;codecs=opus", "answer.ogg"], ["audio/webm;codecs=opus", "answer.webm"]];

  function setUp(box) {
    var input = document.getElementById(box.dataset.recorder);
    if (!input || !window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia ||
        typeof DataTransfer === "undefined") {
      return;  // the file field stays the way to send a recording
    }
    var kind = TYPES.find(function (t) { return MediaRecorder.isTypeSupported(t[0]); });
    if (!kind) { return; }
    var record = box.querySelector("[data-record]"), stop = box.querySelector("[data-stop]"),
        play = box.querySelector("[data-play]"), playback = box.querySelector("[data-playback]"),
        status = box.querySelector("[data-status]");
    var most = (parseInt(box.dataset.maxSeconds, 10) || 300) * 1000;
    var recorder = null, started = 0, timer = null, url = null;
    box.hidden = false;

    function tell(text) { status.textContent = text; }

    function finish(chunks, stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });  // the browser's "recording" sign goes off
      clearTimeout(timer);
      var seconds = Math.round((Date.now() - started) / 1000);
      var blob = new Blob(chunks, {type: kind[0].split(";")[0]});
      var files = new DataTransfer();
      files.items.add(new File([blob], kind[1], {type: blob.type}));
      input.files = files.files;  // the form's post uploads it like a chosen file
      if (url) { URL.revokeObjectURL(url); }
      url = URL.createObjectURL(blob);
      playback.src = url;
      record.disabled = false;
      stop.disabled = true;
      play.disabled = false;
      box.dataset.state = "recorded";
      tell(box.dataset.recorded.replace("{n}", String(seconds)));
    }

    record.addEventListener("click", function () {
      playback.pause();
      navigator.mediaDevices.getUserMedia({audio: true}).then(function (stream) {
        var chunks = [];
        recorder = new MediaRecorder(stream, {mimeType: kind[0], audioBitsPerSecond: 32000});
        recorder.addEventListener("dataavailable", function (event) {
          if (event.data.size) { chunks.push(event.data); }
        });
        recorder.addEventListener("stop", function () { finish(chunks, stream); });
        recorder.start();
        started = Date.now();
        timer = setTimeout(function () { if (recorder.state === "recording") { recorder.stop(); } }, most);
        record.disabled = true;
        stop.disabled = false;
        play.disabled = true;
        box.dataset.state = "recording";
        tell(box.dataset.recording);
        stop.focus();
      }).catch(function () {
        box.dataset.state = "failed";
        tell(box.dataset.failed);
      });
    });
    stop.addEventListener("click", function () {
      if (recorder && recorder.state === "recording") { recorder.stop(); }
    });
    play.addEventListener("click", function () {
      playback.currentTime = 0;
      playback.play();
    });
  }

  document.querySelectorAll("[data-recorder]").forEach(setUp);
})();
