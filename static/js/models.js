// The models page: one card per model from GET /api/v1/models, and a "Use this model" choice.
'use strict';

(() => {
  const DR = window.DigitReader;

  const list = document.getElementById('models-list');
  const message = document.getElementById('models-message');
  const inUseText = document.getElementById('models-in-use');

  let serverData = null;

  const make = (tag, className, text) => {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = text;
    return element;
  };

  const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

  const formatParameters = (count) => {
    if (!isNumber(count)) return '–';
    const millions = count >= 1e6 ? ` (${(count / 1e6).toFixed(2)} M)` : '';
    return `${count.toLocaleString('en-US')}${millions}`;
  };

  // The card's input is {height, width, channels, ...}; older or hand-written cards may differ.
  const formatInput = (input) => {
    if (!input) return '–';
    if (Array.isArray(input)) return input.join(' × ');
    if (typeof input !== 'object') return String(input);
    if (!input.width || !input.height) return JSON.stringify(input);
    const channels = input.channels === 1 ? ', greyscale' : input.channels ? `, ${input.channels} channels` : '';
    return `${input.width} × ${input.height} px${channels}`;
  };

  const formatDuration = (seconds) => {
    if (!isNumber(seconds)) return '–';
    const total = Math.round(seconds);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    if (hours) return `${hours} h ${minutes} min`;
    if (minutes) return `${minutes} min ${total % 60} s`;
    return `${total} s`;
  };

  const formatDate = (value) => {
    if (!value) return '–';
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  };

  // metrics has "test_4" and "test_1-N" (N = the model's longest number), and may have "test_1-N-realistic"
  // (photo-like strings) and "test_1-N-pen" (strings drawn as the draw canvas draws them).
  const LOOKS = { '': '', realistic: ', photo-like', pen: ', drawn with the canvas pen' };
  const accuracyRows = (metrics) => {
    const rows = [];
    if (metrics.test_4) rows.push(['4 digits', metrics.test_4]);
    Object.keys(metrics).forEach((key) => {
      const match = /^test_1-(\d+)(?:-(realistic|pen))?$/.exec(key);
      if (match) rows.push([`1–${match[1]} digits${LOOKS[match[2] || '']}`, metrics[key]]);
    });
    return rows;
  };

  const accuracyTable = (metrics) => {
    const rows = accuracyRows(metrics || {});
    if (!rows.length) return make('p', 'meta', 'No test results in the model card.');
    const table = make('table', 'accuracy');
    table.append(make('caption', null, 'Test accuracy (MNIST test writers)'));
    const head = make('tr');
    ['Numbers of', 'Whole number', 'Per digit'].forEach((label) => {
      const cell = make('th', null, label);
      cell.scope = 'col';
      head.append(cell);
    });
    const thead = make('thead');
    thead.append(head);
    table.append(thead);
    const body = make('tbody');
    rows.forEach(([label, figures]) => {
      const row = make('tr');
      const heading = make('th', null, label);
      heading.scope = 'row';
      row.append(heading,
        make('td', 'accuracy__value', DR.formatPercent(figures.sequence_accuracy)),
        make('td', 'accuracy__value', DR.formatPercent(figures.digit_accuracy)));
      body.append(row);
    });
    table.append(body);
    return table;
  };

  const factList = (facts) => {
    const dl = make('dl', 'facts');
    facts.forEach(([term, detail]) => {
      const item = make('div', 'facts__item');
      item.append(make('dt', null, term), make('dd', null, detail));
      dl.append(item);
    });
    return dl;
  };

  const curvesFigure = (model) => {
    const figure = make('figure', 'curves');
    if (!model.curves_url) {
      figure.append(make('p', 'meta', 'No training curves for this model.'));
      return figure;
    }
    const image = make('img');
    image.src = model.curves_url;
    image.alt = `Training curves of ${model.name}: loss and validation accuracy by epoch`;
    image.loading = 'lazy';
    image.addEventListener('error', () => figure.replaceChildren(make('p', 'meta', 'The training curves could not be loaded.')));
    figure.append(image, make('figcaption', null, 'Training curves'));
    return figure;
  };

  const modelCard = (model, data) => {
    const card = model.card || {};
    const training = card.training || {};
    const article = make('article', 'model-card');
    article.dataset.model = model.name;

    const head = make('header', 'model-card__head');
    head.append(make('h2', null, model.name));
    if (model.name === data.default) {
      article.classList.add('is-recommended');
      head.append(make('span', 'badge badge--recommended', 'Recommended'),
        make('span', 'badge badge--muted', 'Server default'));
    }
    const inUseBadge = make('span', 'badge badge--in-use', 'In use');
    head.append(inUseBadge);

    const epochs = isNumber(training.epochs_run) ? ` (${training.epochs_run} epochs)` : '';
    // A rescorer (a digit classifier reading each digit again) has its own size and training command.
    const rescorer = card.rescorer || null;
    const rescorerKind = (r) => ((r.members ?? 1) > 1
      ? `${r.members} ${r.architecture} classifiers averaged` : `${r.architecture} classifier`);
    const facts = factList([
      ['Architecture', card.architecture || '–'],
      ['Parameters', formatParameters(card.parameters)],
      ['Input', formatInput(card.input)],
      ['Reads', /[^0-9]/.test(card.alphabet || '') ? 'digits and separators . , - / : ( ) + and spaces' : 'digits'],
      ...(rescorer ? [['Rescorer', `${rescorerKind(rescorer)}, ${formatParameters(rescorer.parameters)} ` +
        `parameters, weight ${rescorer.weight}, rereads digits below ${rescorer.sure ?? 1} confidence`]] : []),
      ['Training time', `${formatDuration(training.training_time_s)}${epochs}`],
      ['Trained', formatDate(card.date)],
      ['Version', card.version || '–'],
    ]);

    const command = make('div', 'command');
    command.append(make('h3', null, 'Training command'));
    const pre = make('pre');
    const rescorerCommand = rescorer && rescorer.training
      ? `\n${rescorer.training.command}${rescorer.tuned_with ? `\n${rescorer.tuned_with}` : ''}` : '';
    pre.append(make('code', null, (training.command || '–') + rescorerCommand));
    command.append(pre);

    const button = make('button', 'button button--primary use-model', 'Use this model');
    button.type = 'button';
    button.dataset.model = model.name;
    button.addEventListener('click', () => {
      DR.storeModel(model.name);
      showInUse();
    });

    const details = make('div', 'model-card__details');
    details.append(facts, accuracyTable(card.metrics), command);
    article.append(head, details, curvesFigure(model), button);
    return article;
  };

  // Mark the model the reader will use: the stored choice, else the server's.
  const showInUse = () => {
    if (!serverData) return;
    const current = DR.pickModel(serverData);
    const chosen = DR.getStoredModel() === current;
    list.querySelectorAll('.model-card').forEach((card) => {
      const inUse = card.dataset.model === current;
      card.classList.toggle('is-current', inUse);
      card.querySelector('.badge--in-use').hidden = !inUse;
      const button = card.querySelector('.use-model');
      button.setAttribute('aria-pressed', String(inUse));
      button.textContent = inUse ? 'In use' : 'Use this model';
    });
    inUseText.textContent = current
      ? `The reader uses ${current}${chosen ? ' (your choice)' : ' (the server’s choice)'}.`
      : '';
  };

  // The server's default model first (it is the recommended one), then the others in the server's order.
  const defaultFirst = (models, name) => [
    ...models.filter((model) => model.name === name),
    ...models.filter((model) => model.name !== name),
  ];

  const load = async () => {
    try {
      serverData = await DR.fetchModels();
    } catch (error) {
      message.textContent = `The models could not be loaded. ${error.message}`;
      message.classList.add('message--error');
      return;
    }
    const models = defaultFirst(serverData.models || [], serverData.default);
    list.replaceChildren(...models.map((model) => modelCard(model, serverData)));
    message.textContent = models.length ? '' : 'No trained model is installed yet.';
    message.hidden = models.length > 0;
    showInUse();
  };

  window.addEventListener('storage', (event) => {
    if (event.key === DR.MODEL_KEY) showInUse();
  });

  load();
})();
