// mutebutton.js: the Mute button of a profile's menu. A mute is sealed to
// your own devices (doc/protocol/payloads.md §10.4): nobody is told, and
// the account's posts stop showing on all your devices.
import { h } from './dom.js';
import { request } from './api.js';

// isMuted asks the node whether account is muted.
export async function isMuted(account) {
  const res = await request('GET', '/mutes');
  return (res.accounts || []).some((m) => m.account === account);
}

// muteButton returns the button; act(fn, done) runs the change and says
// done, as the profile page's other buttons do.
export function muteButton(account, name, muted, act) {
  return h('button', {
    type: 'button', class: 'secondary', dataset: { testid: 'mute-button' },
    title: muted ? '' : 'Only your devices can see whom you mute; nobody is told.',
    text: muted ? 'Unmute' : 'Mute',
    onclick: () => act(
      () => request(muted ? 'DELETE' : 'PUT', '/mutes/' + encodeURIComponent(account)),
      muted ? `You unmuted ${name}.` : `You muted ${name}. Nobody is told; their posts no longer show on your devices.`),
  });
}
