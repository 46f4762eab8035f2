// Sends frames over Socket.IO with at most one frame in flight per mode, and routes answers back by seq.
'use strict';

(() => {
  const DR = window.DigitReader;

  const TIMEOUT_MS = 5000;
  // After an error, wait this long before the next frame so a failing server is not flooded.
  const ERROR_PAUSE_MS = 1000;

  // One sender per mode ("draw", "webcam"). request() asks for a frame; if one is already in
  // flight the request is remembered (never queued twice) and the newest picture is captured
  // when the answer arrives. requestNow() sends the newest picture at once (the end of a stroke).
  //
  // capture() gives a Blob, or {blob, ...} with anything the mode wants back with the answer; either
  // comes back to onResult/onError as `frame` ({blob, ...}), e.g. to send that picture as a correction.
  class FrameChannel {
    constructor(router, source, { capture, onResult, onError, onIdle }) {
      this.router = router;
      this.source = source;
      this.capture = capture;
      this.onResult = onResult;
      this.onError = onError;
      this.onIdle = onIdle || (() => {});
      this.flight = null;
      this.superseded = new Map(); // seq -> flight replaced by requestNow(): its answer is ignored
      this.wanted = false;
      this.pauseUntil = 0;
      this.pauseTimer = null;
    }

    request() {
      this.wanted = true;
      this.pump();
    }

    // Send the newest picture now, even with a frame in flight: the server keeps one waiting frame per
    // client and reads it right after the one it is reading, so the answer to the finished drawing comes
    // one read sooner than by waiting for the older answer first. The older frame's answer is ignored.
    requestNow() {
      const flight = this.flight;
      if (flight && flight.seq !== null) {
        flight.stale = true;
        this.superseded.set(flight.seq, flight);
        this.flight = null;
      } else if (flight) {
        flight.stale = true; // still capturing an older picture: dropped when captured, then the newest goes
      }
      this.request();
    }

    // Forget pending requests and ignore the answer to the frame in flight (e.g. after Clear or Stop).
    // The frame still counts as in flight until answered, so the one-frame rule holds.
    discard() {
      this.wanted = false;
      if (this.flight) this.flight.stale = true;
    }

    pump() {
      if (this.flight || !this.wanted || !this.router.canSend()) return;
      const wait = this.pauseUntil - performance.now();
      if (wait > 0) {
        if (!this.pauseTimer) {
          this.pauseTimer = setTimeout(() => {
            this.pauseTimer = null;
            this.pump();
          }, wait);
        }
        return;
      }
      this.wanted = false;
      this.send();
    }

    async send() {
      const flight = { seq: null, stale: false, sentAt: 0, timer: null, frame: null };
      this.flight = flight;
      let image = null;
      try {
        const captured = await this.capture();
        flight.frame = captured instanceof Blob ? { blob: captured } : captured;
        image = flight.frame && flight.frame.blob ? await flight.frame.blob.arrayBuffer() : null;
      } catch {
        image = null;
      }
      if (this.flight !== flight) return; // abandoned while capturing (connection lost)
      if (!image || flight.stale || !this.router.canSend()) {
        this.flight = null;
        if (image && !flight.stale) this.wanted = true; // send it once the server can take it
        this.afterFlight();
        return;
      }
      flight.seq = this.router.register(this);
      flight.sentAt = performance.now();
      flight.timer = setTimeout(() => {
        this.settle(flight.seq, null, { code: 'timeout', message: 'The server did not answer in time.' });
      }, TIMEOUT_MS);
      this.router.emitFrame({ seq: flight.seq, image, source: this.source });
    }

    // Called with the answer for seq: a result, or an error ({code, message}).
    settle(seq, result, error) {
      const replaced = this.superseded.get(seq);
      if (replaced) {
        clearTimeout(replaced.timer);
        this.router.forget(seq);
        this.superseded.delete(seq);
        return;
      }
      const flight = this.flight;
      if (!flight || flight.seq !== seq) return;
      clearTimeout(flight.timer);
      this.router.forget(seq);
      this.flight = null;
      const latencyMs = performance.now() - flight.sentAt;
      // A frame the server dropped for a newer one is no failure: no pause before the next.
      if (error && error.code !== 'frame_dropped') this.pauseUntil = performance.now() + ERROR_PAUSE_MS;
      if (!flight.stale) {
        if (result) this.onResult(result, { latencyMs, frame: flight.frame });
        else this.onError(error, { latencyMs, frame: flight.frame });
      }
      this.afterFlight();
    }

    // The connection dropped: no answer will come for the frame in flight, so resend when back.
    abandon() {
      this.superseded.forEach((replaced, seq) => {
        clearTimeout(replaced.timer);
        this.router.forget(seq);
      });
      this.superseded.clear();
      const flight = this.flight;
      if (!flight) return;
      clearTimeout(flight.timer);
      if (flight.seq !== null) this.router.forget(flight.seq);
      this.flight = null;
      if (!flight.stale) this.wanted = true;
    }

    afterFlight() {
      this.pump();
      if (!this.flight && !this.wanted) this.onIdle();
    }
  }

  class FrameRouter {
    constructor(socket, getModel) {
      this.socket = socket;
      this.getModel = getModel;
      this.nextSeq = 1;
      this.owners = new Map(); // seq -> FrameChannel, so a draw answer never reaches the webcam
      this.channels = [];
      this.serverBusy = false;
      this.onStrayError = () => {};
      this.onAnyError = () => {}; // every error answer, e.g. to go back to the default model on unknown_model

      socket.on('result', (message) => this.route(message, message, null));
      socket.on('error', (message) => {
        const error = (message && message.error) || { code: 'error', message: 'The server reported an error.' };
        const seq = message ? message.seq : null;
        this.onAnyError(error);
        if (seq === null || seq === undefined) this.onStrayError(error);
        else this.route(message, null, error);
      });
      socket.on('connect', () => this.pumpAll());
      socket.on('disconnect', () => this.channels.forEach((channel) => channel.abandon()));
    }

    channel(source, handlers) {
      const channel = new FrameChannel(this, source, handlers);
      this.channels.push(channel);
      return channel;
    }

    // While the model loads or restarts, frames wait instead of collecting errors.
    setServerBusy(busy) {
      this.serverBusy = busy;
      this.pumpAll();
    }

    canSend() {
      return this.socket.connected && !this.serverBusy;
    }

    pumpAll() {
      this.channels.forEach((channel) => channel.pump());
    }

    register(channel) {
      const seq = this.nextSeq;
      this.nextSeq += 1;
      this.owners.set(seq, channel);
      return seq;
    }

    forget(seq) {
      this.owners.delete(seq);
    }

    emitFrame(frame) {
      const model = this.getModel();
      this.socket.emit('frame', model ? { ...frame, model } : frame);
    }

    // Answers for unknown seqs (timed out, or from before a reconnect) are dropped.
    route(message, result, error) {
      if (!message) return;
      this.settleDropped(message.seq, message.dropped);
      const owner = this.owners.get(message.seq);
      if (owner) owner.settle(message.seq, result, error);
    }

    // The server dropped unread the `count` frames sent just before `seq` (a newer frame replaced each while
    // it waited): their channels stop waiting for them.
    settleDropped(seq, count) {
      if (!Number.isInteger(seq) || !Number.isInteger(count)) return;
      for (let old = Math.max(1, seq - count); old < seq; old += 1) {
        const owner = this.owners.get(old);
        if (owner) owner.settle(old, null, { code: 'frame_dropped', message: 'A newer frame replaced this one.' });
      }
    }
  }

  DR.FrameRouter = FrameRouter;
})();
