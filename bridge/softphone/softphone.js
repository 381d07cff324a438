// The softphone page: a caller over the same Twilio media stream protocol a phone line uses.
// Microphone → AudioWorklet (8 kHz μ-law frames) → WebSocket; `media` from the bridge is played
// back in order, `mark`s are echoed once played, and `clear` drops what is still queued.

const $ = (id) => document.getElementById(id);
const status = (text) => ($('status').textContent = text);

/** G.711 μ-law decoding of one byte to a sample in [-1, 1). */
function mulawDecode(byte) {
  const value = ~byte & 0xff;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return (sign ? -magnitude : magnitude) / 32768;
}

function toBase64(bytes) {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

let call;

async function startCall() {
  $('call').disabled = true;
  status('connecting');
  const context = new AudioContext();
  await context.resume();
  const microphone = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
  });
  await context.audioWorklet.addModule('/softphone/mic-worklet.js');
  const source = context.createMediaStreamSource(microphone);
  const frames = new AudioWorkletNode(context, 'mic-frames');
  source.connect(frames);

  const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/streams/twilio`);
  const callSid = `softphone-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const streamSid = `MZ${callSid}`;
  const send = (message) =>
    socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message));
  call = { context, microphone, socket, send, sources: new Set(), pendingMarks: [], nextTime: 0 };
  let playedMs = 0;

  socket.addEventListener('open', () => {
    send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    send({
      event: 'start',
      streamSid,
      start: {
        callSid,
        streamSid,
        tracks: ['inbound'],
        customParameters: { client: 'softphone', language: $('language').value },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    frames.port.onmessage = (event) =>
      send({ event: 'media', streamSid, media: { payload: toBase64(event.data) } });
    status('in call');
    $('hangup').disabled = false;
  });

  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.event === 'media') {
      const bytes = fromBase64(message.media.payload);
      const buffer = context.createBuffer(1, bytes.length, 8000);
      const samples = buffer.getChannelData(0);
      for (let i = 0; i < bytes.length; i++) samples[i] = mulawDecode(bytes[i]);
      const player = context.createBufferSource();
      player.buffer = buffer;
      player.connect(context.destination);
      call.nextTime = Math.max(call.nextTime, context.currentTime + 0.05);
      player.start(call.nextTime);
      call.nextTime += buffer.duration;
      call.sources.add(player);
      player.onended = () => {
        call.sources.delete(player);
        playedMs += buffer.duration * 1000;
        $('played').textContent = String(Math.round(playedMs));
      };
    } else if (message.event === 'mark') {
      const name = message.mark.name;
      const delayMs = Math.max(0, (call.nextTime - context.currentTime) * 1000);
      const timer = setTimeout(() => {
        call.pendingMarks = call.pendingMarks.filter((mark) => mark.timer !== timer);
        send({ event: 'mark', streamSid, mark: { name } });
      }, delayMs);
      call.pendingMarks.push({ name, timer });
    } else if (message.event === 'clear') {
      for (const player of call.sources) player.stop();
      call.sources.clear();
      call.nextTime = context.currentTime;
      for (const mark of call.pendingMarks.splice(0)) {
        clearTimeout(mark.timer);
        send({ event: 'mark', streamSid, mark: { name: mark.name } });
      }
    } else if (message.event === 'transcript') {
      addLine('caller', `Ви: ${message.caller || '…'}`);
      addLine('agent', `Бот: ${message.agent}`);
    } else if (message.event === 'prompt') {
      addLine(
        'prompt',
        message.prompt === 'goodbye' ? 'Бот прощається' : 'Бот питає, чи ви на лінії',
      );
    }
  });

  socket.addEventListener('close', () => endCall('call ended'));
}

function addLine(kind, text) {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  $('transcript').append(item);
}

function endCall(text) {
  if (!call) return;
  const { context, microphone, socket, send } = call;
  call = undefined;
  send({ event: 'stop', stop: {} });
  socket.close();
  for (const track of microphone.getTracks()) track.stop();
  void context.close();
  status(text);
  $('call').disabled = false;
  $('hangup').disabled = true;
}

$('call').addEventListener('click', () => {
  startCall().catch((error) => {
    status(`failed: ${error.message}`);
    $('call').disabled = false;
  });
});
$('hangup').addEventListener('click', () => endCall('hung up'));
