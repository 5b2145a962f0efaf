/**
 * The parts of ECharts the reports page draws with, and nothing else (its
 * modular build keeps the chunk small). Canvas renderer; tooltips in rich
 * text, drawn on the canvas, so no HTML with inline styles is injected.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

export type Chart = echarts.ECharts;

export function drawBars(el: HTMLElement, labels: string[], rates: (number | null)[], seriesName: string): Chart {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el, undefined, { renderer: 'canvas' });
  chart.setOption(
    {
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 64 },
      tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—') },
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 30 : 0 } },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      series: [{ type: 'bar', name: seriesName, data: rates, itemStyle: { color: '#b3261e' } }],
    },
    true,
  );
  return chart;
}

export function drawTrend(el: HTMLElement, months: string[], rates: (number | null)[], seriesName: string): Chart {
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el, undefined, { renderer: 'canvas' });
  chart.setOption(
    {
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: 'axis', renderMode: 'richText', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—') },
      xAxis: { type: 'category', data: months },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
      series: [{ type: 'line', name: seriesName, data: rates, connectNulls: false, itemStyle: { color: '#1d4ed8' } }],
    },
    true,
  );
  return chart;
}
