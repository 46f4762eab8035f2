// The models page: a comparison table first (plain words, best first), then one card per model from
// GET /api/v1/models with its details folded away, and the choice of the model the reader uses.
'use strict';

(() => {
  const DR = window.DigitReader;

  const list = document.getElementById('models-list');
  const message = document.getElementById('models-message');
  const inUseText = document.getElementById('models-in-use');
  const compare = document.getElementById('models-compare');
  const tableBody = document.querySelector('#models-table tbody');
  const cardsTitle = document.getElementById('cards-title');

  let serverData = null;
  let described = [];
  const { make } = DR;

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

  const modelCard = (model, info) => {
    const card = model.card || {};
    const training = card.training || {};
    const article = make('article', 'model-card');
    article.dataset.model = model.name;
    if (info.comparison) article.classList.add('is-comparison');

    const head = make('header', 'model-card__head');
    const title = make('h2', null, model.name);
    head.append(title, ...badges(info));
    const summary = make('p', 'model-card__summary', `${info.label} · reads ${info.readsInFull}`);

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

    // The details a person comparing models rarely needs: folded away, one click to open.
    const details = make('details', 'model-card__more');
    details.append(make('summary', null, 'Details: accuracy by test, training, curves'));
    const inner = make('div', 'model-card__details');
    inner.append(facts, accuracyTable(card.metrics), command);
    details.append(inner, curvesFigure(model));
    article.append(head, summary, chooser(info, 'use-model'), details);
    return article;
  };

  function badges(info, inTable = false) {
    const list = [];
    if (info.recommended && !inTable) { // the table's label already says it
      list.push(make('span', 'badge badge--recommended', 'Recommended'));
    }
    if (info.comparison) list.push(make('span', 'badge badge--comparison', 'For comparison'));
    const inUse = make('span', 'badge badge--in-use', 'In use');
    inUse.hidden = true;
    list.push(inUse);
    return list;
  }

  // "Use this model" for one that reads well (remembered); one kept for comparison is only tried on the
  // reader for that visit, so that a reload goes back to a model that reads well.
  function chooser(info, className) {
    if (info.comparison) {
      const link = make('a', `button ${className} use-model--try`, 'Try on the reader');
      link.href = `/?model=${encodeURIComponent(info.name)}`;
      link.dataset.model = info.name;
      return link;
    }
    const button = DR.button('Use this model', `button button--primary ${className}`);
    button.dataset.model = info.name;
    button.addEventListener('click', () => {
      DR.storeModel(info.recommended ? '' : info.name);
      showInUse();
    });
    return button;
  }

  const percentCell = (value) => {
    const cell = make('td', 'compare__figure');
    if (value === null) {
      cell.textContent = 'Not tested';
      cell.classList.add('compare__figure--none');
    } else {
      cell.textContent = DR.formatPercent(value, 0);
      cell.dataset.value = String(value);
    }
    return cell;
  };

  const tableRow = (info) => {
    const row = make('tr');
    row.dataset.model = info.name;
    if (info.comparison) row.classList.add('is-comparison');
    const name = make('th');
    name.scope = 'row';
    name.append(make('span', 'compare__label', info.label), make('code', 'compare__name', info.name), ...badges(info, true));
    const speed = make('td', null, info.rescored ? 'A little slower' : 'Quick');
    speed.title = info.rescored ? 'Rereads the digits it is unsure of' : 'Reads each number once';
    const reads = make('td', null, info.reads);
    reads.title = info.readsInFull;
    row.append(name, percentCell(info.figures.drawings), percentCell(info.figures.photos),
      percentCell(info.figures.photos), percentCell(info.figures.clean), speed, reads);
    const action = make('td');
    action.append(chooser(info, 'compare__use'));
    row.append(action);
    return row;
  };

  // Mark the model the reader will use: the stored choice, else the recommended one.
  const showInUse = () => {
    if (!serverData) return;
    const current = DR.pickModel(serverData);
    const chosen = Boolean(DR.getStoredModel()) && DR.getStoredModel() === current;
    document.querySelectorAll('[data-model]').forEach((element) => {
      const inUse = element.dataset.model === current;
      if (element.matches('article, tr')) {
        element.classList.toggle('is-current', inUse);
        element.querySelectorAll('.badge--in-use').forEach((badge) => {
          badge.hidden = !inUse;
        });
      }
      if (element.matches('button.use-model, button.compare__use')) {
        element.setAttribute('aria-pressed', String(inUse));
        element.textContent = inUse ? 'In use' : 'Use this model';
      }
    });
    const info = described.find((item) => item.name === current);
    inUseText.textContent = info
      ? `The reader uses: ${info.label} (${current})${chosen ? ', your choice.' : ', the recommended model.'}`
      : '';
  };

  const load = async () => {
    try {
      serverData = await DR.fetchModels();
    } catch {
      message.textContent = 'The models could not be loaded. Check the connection and reload the page.';
      message.classList.add('message--error');
      return;
    }
    const models = serverData.models || [];
    described = DR.bestFirst(DR.describeModels(serverData));
    const byName = new Map(models.map((model) => [model.name, model]));
    tableBody.replaceChildren(...described.map(tableRow));
    list.replaceChildren(...described.map((info) => modelCard(byName.get(info.name), info)));
    message.textContent = models.length ? '' : 'No trained model is installed yet.';
    message.hidden = models.length > 0;
    compare.hidden = models.length === 0;
    cardsTitle.hidden = models.length === 0;
    showInUse();
  };

  window.addEventListener('storage', (event) => {
    if (event.key === DR.MODEL_KEY) showInUse();
  });

  load();
})();
