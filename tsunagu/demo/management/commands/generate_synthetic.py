from django.core.management.base import BaseCommand, CommandError

from tsunagu.demo.data import load_demo_data
from tsunagu.demo.synthetic import SEED, TIERS, Generator, sizes_for
from tsunagu.demo.synthetic.organizations import SLUG_PREFIX
from tsunagu.persons.models import Person


def synthetic_loaded() -> bool:
    return Person.objects.filter(created_by__username__startswith=SLUG_PREFIX).exists()


class Command(BaseCommand):
    help = (
        "性能評価用の合成データ（全国規模）を投入します。決定的（固定の乱数種）で、"
        "PostgreSQL では COPY、SQLite ではまとめて INSERT します。空のデータベースで実行してください。"
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--tier", choices=sorted(TIERS), default=None, help="規模: S / M / L")
        parser.add_argument("--persons", type=int, default=None, help="相談者数（ケース・記録は S の比率）")
        parser.add_argument("--cases", type=int, default=None, help="ケース数（省略時は規模から）")
        parser.add_argument("--records", type=int, default=None, help="支援経過記録の数（省略時は規模から）")
        parser.add_argument("--seed", type=int, default=SEED, help="乱数種")
        parser.add_argument(
            "--skip-if-loaded",
            action="store_true",
            help="合成データが既にあれば何もせずに終わります（make demo の2回目以降）。",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["tier"] is None and options["persons"] is None:
            raise CommandError("--tier S|M|L か --persons N を指定してください。")
        sizes = sizes_for(options["tier"], options["persons"], options["cases"], options["records"])
        if sizes.persons < 1 or sizes.cases < sizes.persons or sizes.records < 0:
            raise CommandError("件数が正しくありません（ケース数は相談者数以上）。")
        if options["skip_if_loaded"] and synthetic_loaded():
            self.stdout.write("合成データは投入済みです（何もしません）。")
            return
        self.stdout.write(f"デモデータ（組織・職員）を準備しています: {load_demo_data()}")
        try:
            counts = Generator(sizes, seed=options["seed"], progress=self.stdout.write).run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("合成データを投入しました:"))
        for table, n in counts.items():
            self.stdout.write(f"  {table:<45} {n:>12,}")
