// pages/profile.js: an account: its profile, follow and block buttons,
// its posts; for this node's own account, a form to edit the profile.
import { h, replace, displayName, statusLine, errorText, copyText } from '../dom.js';
import { api, blobURL } from '../api.js';
import { makeFeed, debounce } from '../feed.js';
import { forget } from '../names.js';
import { alikeBadge, iso } from '../peertext.js';
import { PICTURES } from '../compose.js';
import { isMuted, muteButton } from '../mutebutton.js';

export default async function profile(main, ctx) {
  const acc = (ctx.params[0] || '').trim();
  ctx.title('Profile');
  const head = h('div', { class: 'profile-head', dataset: { testid: 'profile' } });
  const status = statusLine('profile-status');
  const postsBox = h('section', { 'aria-labelledby': 'posts-heading' });
  main.append(head, status, postsBox);

  let info;
  async function loadInfo() {
    info = await api.account(acc);
    info.muted = !info.self && await isMuted(info.account).catch(() => false);
  }

  function drawHead() {
    const p = info.profile || {};
    const name = displayName(p.name, info.account);
    ctx.title(iso(name));
    const idCode = h('code', { class: 'id', dataset: { testid: 'profile-account' }, text: info.account });
    replace(head,
      h('div', { class: 'profile-top' },
        p.image ? h('img', { class: 'profile-image', src: blobURL(p.image), alt: 'Profile picture of ' + iso(name), dataset: { testid: 'profile-image' } }) : null,
        h('div', {},
          h('h1', { tabindex: '-1', dataset: { testid: 'profile-name' }, ptext: name }),
          alikeBadge(info.account, p.name),
          h('p', { class: 'badges' },
            info.self ? h('span', { class: 'badge', text: 'This is you' }) : null,
            info.follows_me ? h('span', { class: 'badge', dataset: { testid: 'follows-me' }, text: 'Follows you' }) : null,
            info.following ? h('span', { class: 'badge', text: 'Following' }) : null,
            info.blocked ? h('span', { class: 'badge warn', text: 'Blocked' }) : null,
            info.muted ? h('span', { class: 'badge', dataset: { testid: 'muted-badge' }, text: 'Muted' }) : null))),
      p.about ? h('p', { class: 'about', dataset: { testid: 'profile-about' }, ptext: p.about }) : null,
      !info.profile ? h('p', { class: 'muted', text: 'No profile of this account is held here yet.' }) : null,
      h('p', { class: 'account-id' }, 'Account id: ', idCode, ' ',
        h('button', {
          type: 'button', class: 'secondary small', 'aria-label': 'Copy the account id',
          onclick: async () => status.set(await copyText(info.account) ? 'Account id copied.' : 'Copying failed: select the id and copy it.', 'ok'),
          text: 'Copy',
        })),
      info.self ? editForm(info.profile) : actions());
  }

  async function act(fn, done) {
    try {
      await fn();
      await loadInfo();
      drawHead();
      drawPosts();
      status.set(done, 'ok');
    } catch (err) {
      status.set(errorText(err), 'error');
    }
  }

  function actions() {
    const name = iso(displayName(info.profile && info.profile.name, info.account));
    const follow = h('button', {
      type: 'button', dataset: { testid: 'follow-button' }, class: info.following ? 'secondary' : '',
      text: info.following ? 'Unfollow' : 'Follow',
      onclick: () => act(() => api.follow(info.account, !info.following), info.following ? `You no longer follow ${name}.` : `You now follow ${name}.`),
    });
    const confirmBox = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-label': 'Confirm blocking' },
      h('p', { text: `Block ${name}? Their posts disappear from your timeline and they cannot join with your invites. You can unblock them later.` }),
      h('button', {
        type: 'button', class: 'danger', dataset: { testid: 'block-confirm' }, text: 'Block',
        onclick: () => act(() => api.block(info.account, true), `You blocked ${name}.`),
      }),
      ' ',
      h('button', {
        type: 'button', class: 'secondary', dataset: { testid: 'block-cancel' }, text: 'Cancel',
        onclick: () => {
          confirmBox.hidden = true;
          block.focus();
        },
      }));
    const block = h('button', {
      type: 'button', class: 'secondary', dataset: { testid: 'block-button' },
      text: info.blocked ? 'Unblock' : 'Block…',
      onclick: () => {
        if (info.blocked) {
          act(() => api.block(info.account, false), `You unblocked ${name}.`);
        } else {
          confirmBox.hidden = false;
          confirmBox.querySelector('button').focus();
        }
      },
    });
    const message = info.blocked ? null : h('a', {
      class: 'button secondary', href: '#/messages?to=' + encodeURIComponent(info.account), dataset: { testid: 'profile-message' }, text: 'Message',
    });
    return h('div', { class: 'actions' }, h('div', { class: 'row' }, follow, message, muteButton(info.account, name, info.muted, act), block), confirmBox);
  }

  function editForm(p) {
    p = p || {};
    let file = null;
    let url = null;
    const nameIn = h('input', { id: 'pf-name', type: 'text', maxlength: 100, autocomplete: 'nickname', value: p.name || '', dataset: { testid: 'profile-name-input' } });
    const aboutIn = h('textarea', { id: 'pf-about', rows: 3, maxlength: 2000, value: p.about || '', dataset: { testid: 'profile-about-input' } });
    const imageIn = h('input', { id: 'pf-image', type: 'file', accept: PICTURES, dataset: { testid: 'profile-image-input' } });
    const removeIn = h('input', { id: 'pf-remove', type: 'checkbox', dataset: { testid: 'profile-image-remove' } });
    const preview = h('img', { class: 'profile-image', alt: 'Preview of the new profile picture', hidden: true });
    const save = h('button', { type: 'submit', dataset: { testid: 'profile-save' }, text: 'Save profile' });
    const st = statusLine('profile-form-status');
    imageIn.addEventListener('change', () => {
      if (url) URL.revokeObjectURL(url);
      file = imageIn.files[0] || null;
      url = file ? URL.createObjectURL(file) : null;
      preview.hidden = !file;
      if (url) preview.src = url;
    });
    const form = h('form', { class: 'profile-form', dataset: { testid: 'profile-form' } },
      h('h2', { text: 'Edit your profile' }),
      h('label', { for: 'pf-name', text: 'Name' }), nameIn,
      h('label', { for: 'pf-about', text: 'About you' }), aboutIn,
      h('label', { for: 'pf-image', text: 'Picture' }), imageIn, preview,
      p.image ? h('p', { class: 'check' }, removeIn, h('label', { for: 'pf-remove', text: ' Remove the current picture' })) : null,
      h('p', { class: 'muted', text: 'Your profile is public: everyone who gets your posts sees it.' }),
      save, st);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      save.disabled = true;
      try {
        const fields = { name: nameIn.value.trim(), about: aboutIn.value.trim() };
        let removed = false;
        if (file) {
          st.set('Uploading the picture…');
          const b = await api.uploadImage(file);
          fields.image = b.id;
          removed = b.location_removed;
        } else if (removeIn.checked) {
          fields.image = '';
        }
        st.set('Saving…');
        const res = await api.putProfile(fields);
        forget(info.account);
        ctx.setMe({ name: res.name, image: res.image });
        await loadInfo();
        drawHead();
        status.set('Profile saved.' + (removed ? ' Location data was removed from the photo.' : ''), 'ok');
      } catch (err) {
        st.set(errorText(err), 'error');
        save.disabled = false;
      }
    });
    return form;
  }

  let feed = null;
  function drawPosts() {
    if (info.blocked) {
      replace(postsBox, h('h2', { id: 'posts-heading', text: 'Posts' }), h('p', { class: 'muted', text: 'You blocked this account: its posts are hidden.' }));
      feed = null;
      return;
    }
    if (feed) return;
    feed = makeFeed({
      load: (cursor) => api.accountPosts(info.account, cursor),
      label: 'Posts',
      empty: 'No posts of this account are held here.',
    });
    replace(postsBox, h('h2', { id: 'posts-heading', text: 'Posts' }), feed.el);
    feed.reload();
  }

  try {
    await loadInfo();
  } catch (err) {
    replace(head, h('h1', { tabindex: '-1', text: 'Account' }));
    status.set(err.code === 'bad_request' ? `“${acc}” is not an account id. Account ids start with acc_.` : errorText(err), 'error');
    return;
  }
  drawHead();
  drawPosts();

  const refresh = debounce(async (profileChanged) => {
    if (profileChanged) {
      try {
        await loadInfo();
        if (!info.self) drawHead(); // do not reset a form being edited
      } catch {
        // keep what is shown
      }
    }
    if (feed) {
      try {
        await feed.refreshNewest();
      } catch {
        // the next event tries again
      }
    }
  }, 300);
  ctx.on('entry', (e) => {
    if (e.account === info.account && (e.type === 'post' || e.type === 'profile')) refresh(e.type === 'profile');
  });
  ctx.on('resync', async () => {
    try {
      await loadInfo();
      if (!info.self) drawHead();
      if (feed) feed.reload();
    } catch {
      // keep what is shown
    }
  });
}
