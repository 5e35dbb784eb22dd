// pages/signin.js: shown when the node answers 401: this browser is not
// signed in (no cookie, or one from an earlier run of the node).
import { h, replace } from '../dom.js';

export default function signin(main) {
  document.title = 'Sign in · kith';
  replace(main,
    h('section', { class: 'signin', dataset: { testid: 'signin' } },
      h('h1', { tabindex: '-1', text: 'Open kith from its link' }),
      h('p', { text: 'This browser is not signed in to your kith node, or the node was restarted since.' }),
      h('ol', {},
        h('li', {}, 'Find the window where ', h('code', { text: 'kith serve' }), ' runs and open the link it printed after “Web UI”.'),
        h('li', {}, 'Or, in a terminal, run ', h('code', { text: 'kith ui' }), ': it opens this page signed in.')),
      h('p', { class: 'muted', text: 'The link holds a secret that signs this browser in; do not share it.' }),
      h('button', { type: 'button', dataset: { testid: 'signin-retry' }, onclick: () => location.reload(), text: 'Try again' })));
  main.querySelector('h1').focus();
}
