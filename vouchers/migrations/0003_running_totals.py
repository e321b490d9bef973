"""The running totals of a redemption's sums (VoucherBalance, RedeemedOnTarget, RedeemedByHolder),
filled from the rows they sum. The SQL is this migration's own (it must not change when the live
code does); `vouchers.totals.rebuild` is the same for a data set loaded straight into the tables."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0006_milestone_payments'),
        ('registry', '0005_backfill_verification_periods'),
        ('vouchers', '0002_drop_foreign_key_indexes_composites_cover'),
    ]

    operations = [
        migrations.CreateModel(
            name='RedeemedByHolder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('amount_fen', models.BigIntegerField(default=0, verbose_name='amount (fen)')),
                ('holder', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.organisation')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='vouchers.programme')),
            ],
            options={
                'verbose_name': 'amount redeemed by a holder in a year',
                'verbose_name_plural': 'amounts redeemed by holders in a year',
                'constraints': [models.UniqueConstraint(fields=('holder', 'programme', 'year'), name='vouchers_redeemed_holder_year')],
            },
        ),
        migrations.CreateModel(
            name='RedeemedOnTarget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_fen', models.BigIntegerField(default=0, verbose_name='amount (fen)')),
                ('contract', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='marketplace.contract')),
                ('order', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='vouchers.externalorder')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='vouchers.programme')),
            ],
            options={
                'verbose_name': 'amount redeemed on a contract or order',
                'verbose_name_plural': 'amounts redeemed on contracts and orders',
                'constraints': [models.UniqueConstraint(fields=('contract', 'programme'), name='vouchers_redeemed_contract'), models.UniqueConstraint(fields=('order', 'programme'), name='vouchers_redeemed_order'), models.CheckConstraint(condition=models.Q(models.Q(('contract__isnull', False), ('order__isnull', True)), models.Q(('contract__isnull', True), ('order__isnull', False)), _connector='OR'), name='vouchers_redeemed_one_target')],
            },
        ),
        migrations.CreateModel(
            name='VoucherBalance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account', models.CharField(choices=[('funding', 'funding'), ('budget', 'budget available'), ('issued', 'issued, unused'), ('redeemed', 'redeemed, awaiting settlement'), ('settled', 'settled')], max_length=16, verbose_name='account')),
                ('amount_fen', models.BigIntegerField(default=0, verbose_name='amount (fen)')),
                ('voucher', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='balances', to='vouchers.voucher')),
            ],
            options={
                'verbose_name': 'voucher balance',
                'verbose_name_plural': 'voucher balances',
                'constraints': [models.UniqueConstraint(fields=('voucher', 'account'), name='vouchers_balance_pocket')],
            },
        ),
        migrations.RunSQL(
            [
                "INSERT INTO vouchers_voucherbalance (voucher_id, account, amount_fen)"
                " SELECT voucher_id, account, SUM(amount_fen) FROM vouchers_ledgerentry"
                " WHERE voucher_id IS NOT NULL GROUP BY voucher_id, account",
                "INSERT INTO vouchers_redeemedontarget (programme_id, contract_id, order_id, amount_fen)"
                " SELECT programme_id, contract_id, order_id, SUM(amount_fen) FROM vouchers_redemption"
                " WHERE state IN ('confirmed', 'settled') GROUP BY programme_id, contract_id, order_id",
                "INSERT INTO vouchers_redeemedbyholder (holder_id, programme_id, year, amount_fen)"
                " SELECT holder_id, programme_id, year, SUM(amount_fen) FROM vouchers_redemption"
                " WHERE state IN ('confirmed', 'settled') GROUP BY holder_id, programme_id, year",
            ],
            migrations.RunSQL.noop,
        ),
    ]
